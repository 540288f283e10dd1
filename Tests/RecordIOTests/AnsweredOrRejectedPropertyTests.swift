import Compute
import TestSupport
import Testing

@testable import RecordIO
@testable import RecordParsing

/// The property of issue 17: every record of a CSV input is answered (parsed into a row), rejected with its line
/// number, or a blank line skipped and counted, whatever stray quotes, quoted line ends, long lines and bad field
/// counts it holds. Random inputs are made of pieces whose records are known in advance.
@Suite struct AnsweredOrRejectedPropertyTests {
    /// What the reader and parser must make of a record.
    enum Expected: Equatable {
        case answered
        case rejected
        case blank
    }

    /// A piece of input: its physical lines, and the record that starts on each of its lines (nil where a line
    /// belongs to the record above it).
    struct Piece {
        var lines: [String]
        var records: [Expected?]
    }

    /// Columns `id` (the key), `a`, `b`, `c` (features) and `note` (ignored): text may span lines in `id` and
    /// `note` only.
    static let header = "id,a,b,c,note"
    static let maximumLineBytes = 120

    private static func number(_ generator: inout SplitMix64) -> String {
        String(Int.random(in: -999...999, using: &generator)) + "." + String(Int.random(in: 0...99, using: &generator))
    }

    /// Text that starts with a letter and may hold commas, escaped quotes and `parts - 1` line ends.
    private static func quotedText(_ generator: inout SplitMix64, parts: Int) -> String {
        let words = ["alpha", "b, c", "say \"\"hi\"\"", "x", "tail"]
        let body = (0..<parts).map { _ in "w" + words.randomElement(using: &generator)! }
        return "\"" + body.joined(separator: "\n") + "\""
    }

    private static func piece(_ generator: inout SplitMix64) -> Piece {
        let numbers = (0..<3).map { _ in number(&generator) }.joined(separator: ",")
        switch Int.random(in: 0..<11, using: &generator) {
        case 0:  // a text key across lines
            let parts = Int.random(in: 2...4, using: &generator)
            let text = quotedText(&generator, parts: parts) + "," + numbers + ",n"
            return Piece(
                lines: text.split(separator: "\n").map(String.init),
                records: [.answered] + Array(repeating: nil, count: parts - 1))
        case 1:  // an ignored note across lines
            let parts = Int.random(in: 2...3, using: &generator)
            let text = "k," + numbers + "," + quotedText(&generator, parts: parts)
            return Piece(
                lines: text.split(separator: "\n").map(String.init),
                records: [.answered] + Array(repeating: nil, count: parts - 1))
        case 2:  // a stray quote in a feature
            return Piece(lines: ["k,\"" + numbers + ",n"], records: [.rejected])
        case 3:  // a stray quote in the key, never closed
            return Piece(lines: ["\"k," + numbers + ",n"], records: [.rejected])
        case 4:  // a quoted key that closes on the next line with text after the quote: two lines of their own
            return Piece(lines: ["\"ab", "cd\"x," + numbers + ",n"], records: [.rejected, .answered])
        case 5:  // a quoted key across lines in a record with too few fields: each line alone
            return Piece(lines: ["\"ab", "cd\"," + numbers], records: [.rejected, .rejected])
        case 6:  // a quote inside an unquoted key opens nothing
            return Piece(lines: ["k\"q," + numbers + ",n"], records: [.answered])
        case 7: return Piece(lines: ["1,2"], records: [.rejected])
        case 8: return Piece(lines: [""], records: [.blank])
        case 9:  // over the line limit
            return Piece(
                lines: ["k," + numbers + "," + String(repeating: "n", count: maximumLineBytes)], records: [.rejected])
        default: return Piece(lines: ["k," + numbers + ",n"], records: [.answered])
        }
    }

    @Test(arguments: 0..<40)
    func everyRecordIsAnsweredOrRejected(seed: Int) throws {
        var generator = SplitMix64(seed: UInt64(0x17_0005 + seed))
        var lines = [Self.header]
        var expected: [Int: Expected] = [:]
        for _ in 0..<Int.random(in: 1...60, using: &generator) {
            let piece = Self.piece(&generator)
            for (line, record) in zip(piece.lines, piece.records) {
                lines.append(line)
                if let record { expected[lines.count] = record }
            }
        }
        let ending = Bool.random(using: &generator) ? "\r\n" : "\n"
        // A blank last line is only a line with its line end.
        let text = lines.joined(separator: ending) + (lines.last == "" || Bool.random(using: &generator) ? ending : "")
        let directory = try TestDirectory("answered")
        defer { directory.remove() }
        try directory.write(Array(text.utf8), to: "in.csv")
        let input = try RecordInput(
            path: directory.file("in.csv"), format: .csv, selection: ColumnSelection(key: "id", ignored: ["note"]),
            modelFeatures: nil, strict: false, maximumLineBytes: Self.maximumLineBytes, batchDeadline: 0.02)
        let early = try RejectLog(strict: false, rejectsPath: nil) { _ in }
        try input.start(reporting: early)
        #expect(early.count == 0)
        var found: [Int: Expected] = [:]
        var blank = 0
        var duplicates: [Int] = []
        while let (parsed, _) = try input.next(pool: nil) {
            for (line, outcome) in parsed.spans.map({ ($0.number, Expected.answered) })
                + parsed.rejects.map({ ($0.line, Expected.rejected) })
            {
                if found.updateValue(outcome, forKey: line) != nil { duplicates.append(line) }
            }
            blank += parsed.emptyLines
        }
        #expect(duplicates.isEmpty, "lines answered or rejected twice: \(duplicates)")
        #expect(found.count + blank == expected.count, "\(text)")
        #expect(found == expected.filter { $0.value != .blank }, "\(text)")
        #expect(blank == expected.values.filter { $0 == .blank }.count)
    }
}
