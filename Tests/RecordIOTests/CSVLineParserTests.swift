import Testing

@testable import RecordIO
@testable import RecordParsing

/// ``CSVLineParser`` on single records: quoting, trimming, missing values, field counts, and the rejects of
/// bad fields with their location (RELIABILITY.md I1-I3, I6, I7).
@Suite struct CSVLineParserTests {
    private let abc: ColumnPlan

    init() throws {
        abc = try RecordIOFixtures.plan(["a", "b", "c"])
    }

    @Test func plainAndQuotedNumbers() {
        let parsed = RecordIOFixtures.csv("1.5,-2e3,\"0.25\"", plan: abc)
        #expect(parsed.missing == 0)
        #expect(parsed.features == [1.5, -2000, 0.25])
        #expect(parsed.observed == [1, 1, 1])
    }

    @Test func spacesAndTabsAroundFieldsAreTrimmed() {
        let parsed = RecordIOFixtures.csv(" 1 ,\t2\t,  \"3\"  ", plan: abc)
        #expect(parsed.missing == 0)
        #expect(parsed.features == [1, 2, 3])
    }

    @Test func emptyFieldsAreMissing() {
        let middle = RecordIOFixtures.csv("1,,3", plan: abc)
        #expect(middle.missing == 1)
        #expect(middle.features == [1, 0, 3])
        #expect(middle.observed == [1, 0, 1])
        let spaces = RecordIOFixtures.csv(" ,\"\", ", plan: abc)
        #expect(spaces.missing == 3)
        #expect(spaces.observed == [0, 0, 0])
        #expect(spaces.features == [0, 0, 0])
    }

    @Test func trailingCommaEndsAnEmptyLastField() {
        let parsed = RecordIOFixtures.csv("1,2,", plan: abc)
        #expect(parsed.missing == 1)
        #expect(parsed.features == [1, 2, 0])
        #expect(parsed.observed == [1, 1, 0])
        let extra = RecordIOFixtures.csv("1,2,3,", plan: abc)
        #expect(extra.reject?.reason == "4 fields where the header has 3")
    }

    @Test func wrongFieldCountIsRejectedWithTheCounts() {
        let few = RecordIOFixtures.csv("1,2", plan: abc, number: 17)
        #expect(few.reject == Reject(source: "test.in", line: 17, reason: "2 fields where the header has 3"))
        let many = RecordIOFixtures.csv("1,2,3,4,5", plan: abc, number: 9)
        #expect(many.reject?.message == "test.in:9: 5 fields where the header has 3")
        let one = RecordIOFixtures.csv("7", plan: abc)
        #expect(one.reject?.reason == "1 field where the header has 3")
    }

    @Test func notANumberNamesLineFieldAndColumn() {
        let parsed = RecordIOFixtures.csv("1,abc,3", plan: abc, number: 42)
        let reject = parsed.reject
        #expect(reject?.line == 42)
        #expect(reject?.field == 2)
        #expect(reject?.column == "b")
        #expect(reject?.reason == "not a number: \"abc\"")
        #expect(reject?.isText == true)
        #expect(reject?.message == "test.in:42: field 2 (b): not a number: \"abc\"")
        let malformed = RecordIOFixtures.csv("1,2,3.4.5", plan: abc)
        #expect(malformed.reject?.field == 3)
        #expect(malformed.reject?.isText == false)
    }

    @Test(arguments: [
        ("NaN", "NaN and infinity are not accepted"), ("nan", "NaN and infinity are not accepted"),
        ("inf", "NaN and infinity are not accepted"), ("-Infinity", "NaN and infinity are not accepted"),
        ("1e999", "out of the range of a 32-bit float"), ("-0x1p3", "hexadecimal numbers are not accepted"),
        ("0x10", "hexadecimal numbers are not accepted"),
    ])
    func nonFiniteAndNonDecimalValuesAreRejected(field: String, reason: String) {
        let parsed = RecordIOFixtures.csv("1,\(field),3", plan: abc)
        #expect(parsed.reject?.reason == "\(reason): \"\(field)\"")
        #expect(parsed.reject?.field == 2)
        #expect(parsed.reject?.isText == false)
    }

    @Test func invalidUTF8IsRejectedWithItsByteOffset() {
        let parsed = RecordIOFixtures.csv([0x31, 0x2C, 0xFF, 0xFE, 0x2C, 0x33], plan: abc, number: 5)
        #expect(parsed.reject?.line == 5)
        #expect(parsed.reject?.reason == "invalid UTF-8 at byte 3 (0xFF); the input must be UTF-8 text")
        // A truncated sequence at the end, and an overlong encoding.
        #expect(RecordIOFixtures.csv([0x31, 0x2C, 0x32, 0x2C, 0xE2, 0x82], plan: abc).reject != nil)
        #expect(RecordIOFixtures.csv([0x31, 0x2C, 0x32, 0x2C, 0xC0, 0xAF], plan: abc).reject != nil)
        // Valid UTF-8 text in a feature is a different reject: not a number.
        #expect(RecordIOFixtures.csv("1,2,é", plan: abc).reject?.reason == "not a number: \"é\"")
    }

    @Test func byteOrderMarkInTheMiddleOfTheInputIsRejected() {
        let parsed = RecordIOFixtures.csv("\u{FEFF}1,2,3", plan: abc, number: 8)
        #expect(parsed.reject?.line == 8)
        #expect(parsed.reject?.reason.contains("byte-order mark") == true)
        #expect(RecordIOFixtures.csv("1,2,3", plan: abc, number: 8).missing == 0)
    }

    @Test func emptyLineIsSkipped() {
        #expect(RecordIOFixtures.csv("", plan: abc).isEmpty)
    }

    @Test func quotingErrorsAreRejected() {
        let open = RecordIOFixtures.csv("1,\"2,3", plan: abc)
        #expect(open.reject?.reason == "a quoted field is not closed")
        #expect(open.reject?.field == 2)
        let after = RecordIOFixtures.csv("1,\"2\"x,3", plan: abc)
        #expect(after.reject?.reason == "text after the closing quote")
        #expect(after.reject?.column == "b")
        let inner = RecordIOFixtures.csv("1,\"2\"\"\",3", plan: abc)
        #expect(inner.reject?.reason == "not a number: \"2\\\"\\\"\"")
    }

    @Test func keyColumnIsCapturedPlainOrQuoted() throws {
        let plan = try RecordIOFixtures.plan(["id", "a", "b"], key: "id")
        let plain = RecordIOFixtures.csv(" host-1 ,1,2", plan: plan)
        #expect(plain.key == "host-1")
        #expect(plain.features == [1, 2])
        let quoted = RecordIOFixtures.csv("\"a, \"\"b\"\"\nc\",1,2", plan: plan)
        #expect(quoted.key == "a, \"b\"\nc")
        #expect(quoted.missing == 0)
        let empty = RecordIOFixtures.csv(",1,2", plan: plan)
        #expect(empty.key == "")
        #expect(empty.missing == 0)
    }

    @Test func ignoredColumnsAreNotParsed() throws {
        let plan = try RecordIOFixtures.plan(["a", "when", "b"], ignored: ["when"])
        let parsed = RecordIOFixtures.csv("1,2024-01-01T00:00:00Z,2", plan: plan)
        #expect(parsed.features == [1, 2])
        #expect(parsed.missing == 0)
    }

    @Test func columnsOptionOrdersTheFeatures() throws {
        let plan = try RecordIOFixtures.plan(["a", "b", "c"], columns: ["c", "a"])
        let parsed = RecordIOFixtures.csv("1,text,3", plan: plan)
        #expect(parsed.features == [3, 1])
        #expect(parsed.observed == [1, 1])
    }
}

/// What CSV-to-JSON output keeps as a number's own text: exactly the JSON number grammar (RFC 8259).
@Suite struct JSONNumberTextTests {
    private func isNumber(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { JSONScanner.isNumber(UnsafeRawBufferPointer($0)) }
    }

    @Test func jsonNumbersOnly() {
        for number in ["0", "-0", "0.50", "1e3", "-12.5E-7", "4.202677322", "123456789012345678901234567890"] {
            #expect(isNumber(number), "\(number)")
        }
        for other in ["", "+2", ".5", "5.", "01", "1e", "inf", "NaN", "0x1F", "1,5", " 1", "1 ", "2026-01-01", "-"] {
            #expect(!isNumber(other), "\(other)")
        }
    }

    @Test func fieldsWalkedWithoutCopying() {
        var line = " a ,\"b,\"\"c\"\"\",,d,"
        var seen: [(String, Bool)] = []
        let error = line.withUTF8 { bytes in
            CSVLineParser.forEachField(UnsafeRawBufferPointer(bytes)) { field, quoted in
                seen.append((String(decoding: field, as: UTF8.self), quoted))
            }
        }
        #expect(error == nil)
        #expect(seen.map(\.0) == ["a", "b,\"\"c\"\"", "", "d", ""])
        #expect(seen.map(\.1) == [false, true, false, false, false])
    }
}
