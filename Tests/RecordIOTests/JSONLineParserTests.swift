import Testing

@testable import RecordIO
@testable import RecordParsing

/// ``JSONLineParser`` on single objects: numbers, missing values, key order and escapes, and the rejects of
/// duplicate keys, wrong types and invalid JSON with their byte offsets (RELIABILITY.md I4, I9).
@Suite struct JSONLineParserTests {
    private let abc: ColumnPlan

    init() throws {
        abc = try RecordIOFixtures.plan(["a", "b", "c"])
    }

    private func reason(_ line: String) -> String? {
        RecordIOFixtures.json(line, plan: abc).reject?.reason
    }

    @Test func numbersAreRead() {
        let parsed = RecordIOFixtures.json("{\"a\":1.5,\"b\":-2e3,\"c\":0}", plan: abc)
        #expect(parsed.missing == 0)
        #expect(parsed.features == [1.5, -2000, 0])
        #expect(parsed.observed == [1, 1, 1])
        let spaced = RecordIOFixtures.json("  { \"a\" : -0 , \"b\":\t1E-2, \"c\" :3.25e+1 }  ", plan: abc)
        #expect(
            spaced.features.map { $0.bitPattern } == [
                Float(-0.0).bitPattern, Float(0.01).bitPattern, Float(32.5).bitPattern,
            ])
    }

    @Test func nullAndAbsentKeysAreMissing() {
        let parsed = RecordIOFixtures.json("{\"a\":null,\"c\":3}", plan: abc)
        #expect(parsed.missing == 2)
        #expect(parsed.features == [0, 0, 3])
        #expect(parsed.observed == [0, 0, 1])
        let empty = RecordIOFixtures.json("{}", plan: abc)
        #expect(empty.missing == 3)
        #expect(empty.observed == [0, 0, 0])
        #expect(empty.features == [0, 0, 0])
    }

    @Test func keyOrderMayDifferFromTheFirstLine() {
        let parsed = RecordIOFixtures.json("{\"c\":3,\"b\":2,\"a\":1}", plan: abc)
        #expect(parsed.features == [1, 2, 3])
        #expect(parsed.missing == 0)
    }

    @Test func escapedKeysAreDecoded() throws {
        let parsed = RecordIOFixtures.json("{\"\\u0061\":1,\"b\":2,\"\\u0063\":3}", plan: abc)
        #expect(parsed.features == [1, 2, 3])
        let odd = try RecordIOFixtures.plan(["x\"y", "é\n"])
        let escaped = RecordIOFixtures.json("{\"x\\\"y\":1,\"\\u00e9\\n\":2}", plan: odd)
        #expect(escaped.features == [1, 2])
        #expect(escaped.missing == 0)
    }

    @Test func duplicateKeysAreRejected() {
        let plain = RecordIOFixtures.json("{\"a\":1,\"b\":2,\"a\":3}", plan: abc, number: 6)
        #expect(plain.reject == Reject(source: "test.in", line: 6, column: "a", reason: "the key appears twice"))
        #expect(reason("{\"a\":1,\"\\u0061\":2}") == "the key appears twice")
        let unknown = RecordIOFixtures.json("{\"a\":1,\"z\":[1],\"z\":{}}", plan: abc)
        #expect(unknown.reject?.column == "z")
        #expect(unknown.reject?.reason == "the key appears twice")
    }

    @Test(arguments: [
        ("\"1\"", "a string \"\\\"1\\\"\"", true), ("true", "true or false \"true\"", true),
        ("{\"v\":1}", "an object \"{\\\"v\\\":1}\"", false), ("[1,2]", "an array \"[1,2]\"", false),
    ])
    func wrongTypesAreRejected(value: String, found: String, isText: Bool) {
        let parsed = RecordIOFixtures.json("{\"a\":1,\"b\":\(value),\"c\":3}", plan: abc)
        #expect(parsed.reject?.column == "b")
        #expect(parsed.reject?.reason == "expected a number or null, found \(found)")
        #expect(parsed.reject?.isText == isText)
    }

    @Test(arguments: [
        ("{\"a\":1} x", 9, "the end of the line after the object"),
        ("{\"a\":1}{}", 8, "the end of the line after the object"),
        ("{\"a\":1,\"b", 10, "a closing quote"), ("{\"a\\q\":1}", 5, "a valid escape"),
        ("{\"a\\u12\":1}", 5, "four hex digits after \\u"),
        ("{\"a\":1,\"b\u{01}\":2}", 10, "no control character in a string"),
        ("{\"a\":01}", 7, "',' or '}'"), ("{\"a\":+1}", 6, "a value"), ("{\"a\":.5}", 6, "a value"),
        ("{\"a\":NaN}", 6, "a value"), ("{\"a\":nan}", 6, "null"), ("{\"a\":1.}", 8, "a digit after the decimal point"),
        ("{\"a\":1e}", 8, "a digit in the exponent"), ("{\"a\":-}", 7, "a digit"), ("{\"a\":1,}", 8, "a string"),
        ("{\"a\" 1}", 6, "':'"), ("{\"a\":1 \"b\":2}", 8, "',' or '}'"), ("[1,2]", 1, "'{'"), ("{", 2, "a string"),
        ("\"a\"", 1, "'{'"), ("{\"a\":tru}", 6, "true"),
    ])
    func invalidJSONIsRejectedWithAByteOffset(line: String, byte: Int, expected: String) throws {
        let reject = try #require(RecordIOFixtures.json(line, plan: abc, number: 3).reject)
        #expect(reject.line == 3)
        #expect(reject.field == nil)
        #expect(reject.reason.hasPrefix("not valid JSON at byte \(byte): expected \(expected), found "))
    }

    @Test func foundTextQuotesTheRestOfTheLine() {
        #expect(
            reason("{\"a\":1} x")
                == "not valid JSON at byte 9: expected the end of the line after the object, found \"x\"")
        #expect(
            reason("{\"a\":1,\"b")
                == "not valid JSON at byte 10: expected a closing quote, found the end of the line")
    }

    @Test func invalidUTF8IsRejectedWithItsByteOffset() {
        let bytes = Array("{\"a\":1,\"b\":\"".utf8) + [0xFF] + Array("\"}".utf8)
        let parsed = RecordIOFixtures.json(bytes, plan: abc)
        #expect(parsed.reject?.reason == "invalid UTF-8 at byte 13 (0xFF); the input must be UTF-8 text")
    }

    @Test func unknownKeysMayHoldAnyValue() {
        let line =
            "{\"meta\":{\"tags\":[\"x\",{\"deep\":[null,true,false,-1.5e-3]}],\"s\":\"}\\\"{\"},"
            + "\"a\":1,\"list\":[],\"b\":2,\"o\":{},\"c\":3,\"t\":\"text\"}"
        let parsed = RecordIOFixtures.json(line, plan: abc)
        #expect(parsed.missing == 0)
        #expect(parsed.features == [1, 2, 3])
    }

    @Test func unknownKeysAreStillValidated() {
        #expect(reason("{\"a\":1,\"meta\":[1,]}")?.hasPrefix("not valid JSON at byte 18") == true)
        let deep = "{\"meta\":" + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}"
        #expect(reason(deep)?.contains("nesting at most 64 deep") == true)
        let deepEnough = "{\"meta\":" + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "}"
        #expect(RecordIOFixtures.json(deepEnough, plan: abc).missing == 3)
    }

    @Test func reservedKeyIsRejected() {
        let parsed = RecordIOFixtures.json("{\"a\":1,\"vaewatch\":{\"score\":1}}", plan: abc)
        #expect(parsed.reject?.column == "vaewatch")
        #expect(parsed.reject?.reason == "the key is reserved for vaewatch's verdict")
        #expect(RecordIOFixtures.json("{\"vaew\\u0061tch\":1}", plan: abc).reject?.column == "vaewatch")
    }

    @Test func reservedKeyOnTheFirstLineCannotBecomeAColumn() {
        let line = Array("{\"a\":1,\"vaewatch\":{\"score\":1}}".utf8)
        let keys = line.withUnsafeBytes { JSONLineParser.keys(of: $0, source: "test.in", number: 1) }
        switch keys {
        case .success(let names): Issue.record("the first line's keys were accepted: \(names)")
        case .failure(let reject):
            #expect(reject.line == 1)
            #expect(reject.column == "vaewatch")
        }
    }

    @Test func firstLineKeysAreListedOnceInOrder() {
        let line = Array("{\"b\":1,\"a\":{\"x\":1},\"\\u0063\":null}".utf8)
        let keys = line.withUnsafeBytes { JSONLineParser.keys(of: $0, source: "test.in", number: 4) }
        #expect((try? keys.get()) == ["b", "a", "c"])
        let bad = Array("{\"a\":1".utf8).withUnsafeBytes { JSONLineParser.keys(of: $0, source: "test.in", number: 4) }
        #expect(throws: Reject.self) { try bad.get() }
    }

    @Test func blankLineIsSkippedOrAStrictReject() {
        #expect(RecordIOFixtures.json("", plan: abc).isEmpty)
        #expect(RecordIOFixtures.json(" \t ", plan: abc).isEmpty)
        let strict = RecordIOFixtures.json(" ", plan: abc, strict: true, number: 12)
        #expect(strict.reject == Reject(source: "test.in", line: 12, reason: "a blank line"))
        #expect(RecordIOFixtures.json("{\"a\":1}", plan: abc, strict: true).missing == 2)
    }

    @Test func keyColumnTakesAStringOrANumber() throws {
        let plan = try RecordIOFixtures.plan(["id", "a"], key: "id")
        let text = RecordIOFixtures.json("{\"id\":\"x\\\"y\\u00e9\",\"a\":1}", plan: plan)
        #expect(text.key == "x\"yé")
        #expect(text.features == [1])
        #expect(RecordIOFixtures.json("{\"a\":1,\"id\":-4.5e2}", plan: plan).key == "-4.5e2")
        #expect(RecordIOFixtures.json("{\"a\":1}", plan: plan).key == nil)
        let bad = RecordIOFixtures.json("{\"id\":[1],\"a\":1}", plan: plan)
        #expect(bad.reject?.reason == "the key must be a string or a number, found an array")
        #expect(bad.reject?.column == "id")
    }

    @Test func outOfRangeAndTinyNumbers() {
        let big = RecordIOFixtures.json("{\"a\":1e999}", plan: abc)
        #expect(big.reject?.reason == "out of the range of a 32-bit float: \"1e999\"")
        #expect(big.reject?.column == "a")
        let tiny = RecordIOFixtures.json("{\"a\":1e-50,\"b\":-1e-45}", plan: abc)
        #expect(tiny.features.map { $0.bitPattern } == [0, Float(-1e-45).bitPattern, 0])
        #expect(tiny.observed == [1, 1, 0])
    }
}
