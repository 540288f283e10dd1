import Foundation
import FoundationXML
import Testing

/// What an XML parser saw in a rendered report: the root, element counts, the children of the groups with an `id`,
/// every attribute value and every text node. Parsing is the proof that the document is well-formed XML.
final class SVGOutline: NSObject, XMLParserDelegate {
    /// The root element's name.
    private(set) var root: String?
    /// The root element's attributes.
    private(set) var rootAttributes: [String: String] = [:]
    /// Elements by name, the root included.
    private(set) var counts: [String: Int] = [:]
    /// The names of the elements directly inside each group with an `id`, in document order.
    private(set) var children: [String: [String]] = [:]
    /// Every attribute value, as (element, attribute, value).
    private(set) var attributes: [(element: String, name: String, value: String)] = []
    /// The text of every `<text>` and `<title>` element, in document order.
    private(set) var texts: [String] = []
    /// The attributes of each element with an `id`.
    private(set) var byID: [String: [String: String]] = [:]
    /// The texts inside each group with an `id`.
    private(set) var groupTexts: [String: [String]] = [:]
    /// The ids of the open elements (empty for elements without one).
    private var stack: [String] = []
    /// The text being collected.
    private var text: String?

    /// Parses `document`, failing the test (with the parser's error and line) when it is not well-formed. On Linux,
    /// `parse()` may return true while `parserError` is set, so both are checked.
    static func parse(_ document: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SVGOutline {
        let parser = XMLParser(data: Data(document.utf8))
        let outline = SVGOutline()
        parser.delegate = outline
        let succeeded = parser.parse()
        let problem =
            "not well-formed XML at line \(parser.lineNumber), column \(parser.columnNumber): "
            + String(describing: parser.parserError)
        try #require(succeeded && parser.parserError == nil, Comment(rawValue: problem), sourceLocation: sourceLocation)
        return outline
    }

    /// The elements directly inside the group `id`.
    func count(in id: String) -> Int { children[id]?.count ?? 0 }

    /// All texts, joined by newlines, for `contains` checks.
    var allText: String { texts.joined(separator: "\n") }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        if root == nil {
            root = elementName
            rootAttributes = attributeDict
        }
        counts[elementName, default: 0] += 1
        if let parent = stack.last(where: { !$0.isEmpty }), stack.last == parent {
            children[parent, default: []].append(elementName)
        }
        for (name, value) in attributeDict.sorted(by: { $0.key < $1.key }) {
            attributes.append((elementName, name, value))
        }
        if let id = attributeDict["id"] { byID[id] = attributeDict }
        stack.append(attributeDict["id"] ?? "")
        if elementName == "text" || elementName == "title" { text = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
    ) {
        stack.removeLast()
        if let finished = text, elementName == "text" || elementName == "title" {
            texts.append(finished)
            if let group = stack.last(where: { !$0.isEmpty }) { groupTexts[group, default: []].append(finished) }
            text = nil
        }
    }
}
