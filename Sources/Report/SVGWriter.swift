/// Builds SVG text: elements with escaped attribute values, numbers written by ``NumberText``.
struct SVGWriter {
    /// The document so far.
    private(set) var text = ""

    /// An attribute value: text (escaped when written) or a coordinate.
    enum Value: ExpressibleByStringLiteral {
        case text(String)
        case number(Double)

        init(stringLiteral value: String) { self = .text(value) }

        /// The value as it appears between the quotes.
        var written: String {
            switch self {
            case .text(let text): XMLText.escaped(text)
            case .number(let number): NumberText.coordinate(number)
            }
        }
    }

    /// Appends raw, already well-formed text.
    mutating func raw(_ markup: String) { text += markup }

    /// `<name a="1" …>` (or `<name … />` when `closed`).
    mutating func open(_ name: String, _ attributes: KeyValuePairs<String, Value> = [:], closed: Bool = false) {
        text += "<" + name
        for (key, value) in attributes { text += " " + key + "=\"" + value.written + "\"" }
        text += closed ? "/>" : ">"
    }

    /// `</name>` and a newline.
    mutating func close(_ name: String) { text += "</" + name + ">\n" }

    /// An empty element and a newline.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, Value>) {
        open(name, attributes, closed: true)
        text += "\n"
    }

    /// `<text …>content</text>`, the content escaped.
    mutating func label(_ content: String, _ attributes: KeyValuePairs<String, Value>) {
        textElement("text", content, attributes)
    }

    /// `<name …>content</name>`, the content escaped.
    mutating func textElement(_ name: String, _ content: String, _ attributes: KeyValuePairs<String, Value> = [:]) {
        open(name, attributes)
        text += XMLText.escaped(content)
        close(name)
    }
}
