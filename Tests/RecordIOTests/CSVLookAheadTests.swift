import Testing

@testable import RecordIO
@testable import RecordParsing

/// ``CSVLookAhead``, ``CompressedInput`` and ``CSVLineParser/fields(_:)``: what a look at a CSV input's first bytes,
/// header and rows finds wrong with it as a whole (issue 19, item 9).
@Suite struct CSVLookAheadTests {
    private func lookAhead(_ header: [String], _ lines: [String]) -> CSVLookAhead {
        CSVLookAhead(header: header, lines: lines.map { Array($0.utf8) })
    }

    private func fields(_ line: String) -> Result<[String], CSVLineParser.FieldError> {
        var line = line
        return line.withUTF8 { CSVLineParser.fields(UnsafeRawBufferPointer($0)) }
    }

    @Test func fieldsAreSplitTrimmedAndUnquoted() throws {
        #expect(try fields(" a ,\"b,\"\"c\"\"\",,d,").get() == ["a", "b,\"c\"", "", "d", ""])
        #expect(try fields("").get() == [""])
        #expect(fields("a,\"b") == .failure(.unclosedQuote(2)))
        #expect(fields("\"a\"x,b") == .failure(.textAfterQuote(1)))
    }

    @Test func everyTextColumnAmongTheFeaturesIsFound() throws {
        let header = ["host", "date", "cpu", "note", "mem"]
        let rows = (0..<10).map { "web-\($0),2024-01-0\($0),0.\($0),\"free, text\",\($0 == 3 ? "n/a" : "1.5")" }
        let sample = lookAhead(header, rows)
        #expect(sample.textColumns(in: try RecordIOFixtures.plan(header)) == ["host", "date", "note"])
        // The key and ignored columns are not features; a feature with one bad value in ten is not text.
        #expect(sample.textColumns(in: try RecordIOFixtures.plan(header, key: "host", ignored: ["note"])) == ["date"])
        let problem = sample.textColumnProblem(
            plan: try RecordIOFixtures.plan(header, key: "host", ignored: ["note"]), source: "in.csv", model: false)
        #expect(
            problem?.description
                == "in.csv: in its first 10 rows, column \"date\" holds text, not numbers: leave it out with --ignore "
                + "date, name it as the record key with --key, or choose the features with --columns")
        #expect(problem?.code == .data)
    }

    @Test func numbersNaNAndEmptyFieldsAreNotText() throws {
        let header = ["a", "b", "c"]
        let sample = lookAhead(header, ["1,NaN,", "2,0x10,", "bad,row", "", "3,1e999,"])
        #expect(sample.lines.count == 4, "the blank line is left out")
        #expect(sample.textColumns(in: try RecordIOFixtures.plan(header)).isEmpty)
    }

    @Test func aHeaderOfNumbersLooksLikeData() {
        let sample = lookAhead(["1", "2.5", "-3"], ["4,5,6"])
        let problem = sample.shapeProblem(source: "<stdin>", modelFeatures: nil)
        #expect(problem?.code == .data)
        #expect(problem?.description.contains("<stdin>:1: this header looks like data") == true)
        #expect(problem?.description.contains("(echo c1,c2,c3; cat FILE) | vaewatch …") == true)
        let withModel = sample.shapeProblem(source: "in.csv", modelFeatures: ["x", "y", "z"])
        #expect(withModel?.description.contains("(echo x,y,z; cat in.csv) | vaewatch …") == true)
        #expect(lookAhead(["1", "b"], ["4,5"]).shapeProblem(source: "in", modelFeatures: nil) == nil)
    }

    @Test func oneHeaderFieldOverRowsOfAnotherDelimiter() {
        #expect(lookAhead(["a;b"], ["1;2", "3;4"]).likelyDelimiter?.name == "semicolons")
        #expect(lookAhead(["a\tb"], ["1\t2", "3\t4"]).likelyDelimiter?.name == "tabs")
        #expect(lookAhead(["a b"], [" 1 2 ", "3  4"]).likelyDelimiter?.name == "spaces")
        // A single column: numbers padded with spaces, or no rows at all, hold no other delimiter.
        #expect(lookAhead(["cpu usage"], [" 1.5 ", "2"]).likelyDelimiter == nil)
        #expect(lookAhead(["a;b"], []).likelyDelimiter == nil)
        #expect(lookAhead(["cpu usage"], [" 1.5 "]).shapeProblem(source: "in", modelFeatures: nil) == nil)
        let decimalCommas = lookAhead(["a;b"], ["1,5;2", "3;4,25"]).shapeProblem(source: "in.csv", modelFeatures: nil)
        #expect(decimalCommas?.description.contains("e.g. sed 's/,/./g; s/;/,/g' in.csv | vaewatch …") == true)
        // Several header fields are comma-separated already.
        #expect(lookAhead(["a", "b"], ["1;2", "3;4"]).shapeProblem(source: "in", modelFeatures: nil) == nil)
    }

    @Test func gzipIsKnownByItsFirstTwoBytes() {
        let refusal = CompressedInput.refusal(leadingBytes: [0x1F, 0x8B], source: "m.csv.gz")
        #expect(refusal?.code == .data)
        #expect(refusal?.description.contains("m.csv.gz: this looks gzip-compressed") == true)
        #expect(refusal?.description.contains("zcat m.csv.gz | vaewatch …") == true)
        #expect(CompressedInput.refusal(leadingBytes: [0x1F], source: "in") == nil)
        #expect(CompressedInput.refusal(leadingBytes: Array("x0".utf8), source: "in") == nil)
    }
}
