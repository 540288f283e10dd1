import Foundation
import FoundationXML
import Testing

/// What the tests need to know of a rendered report, read with an XML parser: parsing is the proof that the file
/// is well-formed. On Linux `parse()` may return true while `parserError` is set, so both are checked.
final class ReportSVG: NSObject, XMLParserDelegate {
    /// The root element's name.
    private(set) var root: String?
    /// Elements directly inside the group of flagged markers.
    private(set) var markers = 0
    /// Bars in the feature panel.
    private(set) var featureBars = 0
    /// Every text node, joined by newlines.
    private(set) var text = ""
    /// The ids of the open elements.
    private var stack: [String] = []

    /// Parses `document`, failing the test when it is not well-formed XML.
    static func parse(_ document: String) throws -> ReportSVG {
        let parser = XMLParser(data: Data(document.utf8))
        let outline = ReportSVG()
        parser.delegate = outline
        let succeeded = parser.parse()
        let problem = "not well-formed XML at line \(parser.lineNumber): \(String(describing: parser.parserError))"
        try #require(succeeded && parser.parserError == nil, Comment(rawValue: problem))
        return outline
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        if root == nil { root = elementName }
        if stack.last == "flagged" { markers += 1 }
        if stack.last == "features", elementName == "rect" { featureBars += 1 }
        stack.append(attributeDict["id"] ?? "")
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
    ) {
        stack.removeLast()
        if elementName == "text" || elementName == "title" { text += "\n" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}
