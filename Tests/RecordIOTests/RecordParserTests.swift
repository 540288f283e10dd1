import TestSupport
import Compute
import Testing

@testable import RecordIO
@testable import RecordParsing

/// ``RecordParser`` on a ``ThreadPool`` gives exactly what it gives on one thread: the same rows, keys,
/// rejects and outcomes, in line order.
@Suite struct RecordParserTests {
    /// A few thousand lines in `format`, one in seven bad in one of several ways, one in 50 blank; returns the
    /// text and how many bad and blank lines it has.
    private func mixedLines(_ format: RecordFormat, count: Int) -> (String, bad: Int, blank: Int) {
        var generator = SplitMix64(seed: 7)
        var text = ""
        var bad = 0
        var blank = 0
        for i in 0..<count {
            let a = Float(Int.random(in: -1000...1000, using: &generator)) / 8
            let b = Float(bitPattern: UInt32.random(in: 0...0x7F00_0000, using: &generator))
            if i % 50 == 49 {
                blank += 1
                text += "\n"
                continue
            }
            let kind = i % 7 == 3 ? Int.random(in: 0..<4, using: &generator) : -1
            if kind >= 0 { bad += 1 }
            switch (format, kind) {
            case (.csv, 0): text += "k\(i),\(a)\n"
            case (.csv, 1): text += "k\(i),abc,\(b)\n"
            case (.csv, 2): text += "k\(i),NaN,1\n"
            case (.csv, 3): text += "k\(i),1,2,3\n"
            case (.csv, _): text += i % 11 == 0 ? "\"k,\(i)\",,\(b)\n" : "k\(i),\(a),\(b)\n"
            case (.jsonl, 0): text += "{\"id\":\"k\(i)\",\"a\":\"x\"}\n"
            case (.jsonl, 1): text += "{\"id\":\"k\(i)\",\"a\":1,\"a\":2}\n"
            case (.jsonl, 2): text += "{\"id\":\"k\(i)\",\"a\":1e999}\n"
            case (.jsonl, 3): text += "{\"id\":\"k\(i)\",\"a\":1,\n"
            case (.jsonl, _):
                text += i % 11 == 0 ? "{\"b\":\(b),\"id\":\(i)}\n" : "{\"id\":\"k\(i)\",\"a\":\(a),\"b\":\(b)}\n"
            }
        }
        return (text, bad, blank)
    }

    @Test(arguments: [RecordFormat.csv, .jsonl])
    func poolGivesTheSameResultAsOneThread(format: RecordFormat) throws {
        let count = 4000
        let (text, bad, blank) = mixedLines(format, count: count)
        let lines = RecordIOLines(text)
        let plan = try RecordIOFixtures.plan(["id", "a", "b"], key: "id")
        let parser = RecordParser(format: format, plan: plan, source: "mixed", strict: false)
        let pool = ThreadPool(threadCount: 2)
        let single = parser.parse(lines.batch, pool: nil)
        let parallel = parser.parse(lines.batch, pool: pool)

        #expect(single.count == count - bad - blank)
        #expect(single.rejects.count == bad)
        #expect(single.emptyLines == blank)
        #expect(single.missingValues > 0)
        #expect(single.keys.count == single.count)
        #expect(single.keys.prefix(2) == (format == .csv ? ["k,0", "k1"] : ["0", "k1"]))

        #expect(parallel.count == single.count)
        #expect(parallel.features.map { $0.bitPattern } == single.features.map { $0.bitPattern })
        #expect(parallel.observed == single.observed)
        #expect(parallel.missingValues == single.missingValues)
        #expect(parallel.keys == single.keys)
        #expect(parallel.spans == single.spans)
        #expect(parallel.rejects == single.rejects)
        #expect(parallel.emptyLines == single.emptyLines)
        #expect(parallel.outcomes.map { $0.line } == single.outcomes.map { $0.line })
        #expect(parallel.outcomes.map { $0.rejected } == single.outcomes.map { $0.rejected })
        let rejectLines = parallel.rejects.map { $0.line }
        #expect(rejectLines == rejectLines.sorted())
        #expect(parallel.outcomes.map { $0.line } == parallel.outcomes.map { $0.line }.sorted())
    }

    @Test func rowsMatchTheLinesTheyCameFrom() throws {
        let lines = RecordIOLines("x1,1,2\nx2,abc,3\n\nx4,,4\n", firstNumber: 2)
        let plan = try RecordIOFixtures.plan(["id", "a", "b"], key: "id")
        let parsed = RecordParser(format: .csv, plan: plan, source: "in", strict: false).parse(lines.batch, pool: nil)
        #expect(parsed.keys == ["x1", "x4"])
        #expect(parsed.features == [1, 2, 0, 4])
        #expect(parsed.observed == [1, 1, 0, 1])
        #expect(parsed.missingValues == 1)
        #expect(parsed.spans.map { $0.number } == [2, 5])
        #expect(parsed.rejects.map { $0.message } == ["in:3: field 2 (a): not a number: \"abc\""])
        #expect(parsed.emptyLines == 1)
        #expect(parsed.outcomes.map { $0.line } == [2, 3, 5])
        #expect(parsed.outcomes.map { $0.rejected } == [false, true, false])
    }

    @Test func withoutAKeyColumnTheKeyIsTheLineNumber() throws {
        let lines = RecordIOLines("1,2\n3,4\n", firstNumber: 10)
        let plan = try RecordIOFixtures.plan(["a", "b"])
        let parsed = RecordParser(format: .csv, plan: plan, source: "in", strict: false).parse(lines.batch, pool: nil)
        #expect(parsed.keys == ["10", "11"])
    }

    @Test func oversizeLinesBecomeRejectsInLineOrder() throws {
        let lines = RecordIOLines("1,2\n3,4\n", firstNumber: 1)
        var batch = lines.batch
        batch.lines[1].number = 3
        batch.oversize = [OversizeLine(number: 2, bytes: 5000, unclosedQuote: false)]
        let plan = try RecordIOFixtures.plan(["a", "b"])
        let parsed = RecordParser(format: .csv, plan: plan, source: "in", strict: false).parse(batch, pool: nil)
        #expect(parsed.count == 2)
        #expect(parsed.rejects.map { $0.line } == [2])
        #expect(parsed.rejects.first?.reason.contains("5000 bytes or more") == true)
        #expect(parsed.outcomes.map { $0.line } == [1, 2, 3])
        #expect(parsed.outcomes.map { $0.rejected } == [false, true, false])
    }
}
