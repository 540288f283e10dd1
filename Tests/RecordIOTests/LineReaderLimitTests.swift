import Glibc
import SystemIO
import Testing

@testable import RecordIO
@testable import RecordParsing

/// ``LineReader`` limits and timing: oversize lines are reported and skipped without holding them, the lines
/// after them still come, and a line that arrives in pieces is handed out whole (RELIABILITY.md I5, I13).
@Suite struct LineReaderLimitTests {
    private typealias Line = RecordIOReadLines.Line

    private func line(_ number: Int, _ text: String) -> Line { Line(number: number, bytes: Array(text.utf8)) }

    @Test func oversizeLineIsReportedAndTheNextLinesAreRead() throws {
        let read = try RecordIOFixtures.readLines(
            Array("short\n0123456789abcdef\nnext\nlast\n".utf8), maximumLineBytes: 8)
        #expect(read.lines == [line(1, "short"), line(3, "next"), line(4, "last")])
        #expect(read.oversize.map { $0.number } == [2])
        #expect(read.oversize.first.map { $0.bytes >= 9 } == true)
        #expect(read.oversize.first?.unclosedQuote == false)
    }

    @Test func lineOfExactlyTheLimitIsAcceptedWithEitherEnding() throws {
        let lf = try RecordIOFixtures.readLines(Array("0123456789\nx\n".utf8), maximumLineBytes: 10)
        let crlf = try RecordIOFixtures.readLines(Array("0123456789\r\nx\r\n".utf8), maximumLineBytes: 10)
        #expect(lf.lines == [line(1, "0123456789"), line(2, "x")])
        #expect(crlf.lines == lf.lines)
        #expect(crlf.oversize.isEmpty)
        let over = try RecordIOFixtures.readLines(Array("0123456789A\r\nx\r\n".utf8), maximumLineBytes: 10)
        #expect(over.lines == [line(2, "x")])
        #expect(over.oversize.map { $0.number } == [1])
    }

    @Test func crlfLineOfExactlyTheLimitArrivingInPiecesIsAccepted() throws {
        let read = try RecordIOFixtures.readLines(maximumLineBytes: 10, blockBytes: 1) { descriptor in
            for piece in ["0123456789", "\r", "\nx\r\n"] {
                RecordIOFixtures.writeAll(descriptor, Array(piece.utf8))
                usleep(20_000)
            }
        }
        #expect(read.lines == [line(1, "0123456789"), line(2, "x")])
        #expect(read.oversize.isEmpty)
    }

    @Test func oversizeLastLineWithoutNewlineIsReported() throws {
        let read = try RecordIOFixtures.readLines(Array("ok\n0123456789abcdef".utf8), maximumLineBytes: 8)
        #expect(read.lines == [line(1, "ok")])
        #expect(read.oversize.map { $0.number } == [2])
    }

    @Test func oversizeLineInPiecesLargerThanTheBufferIsSkipped() throws {
        // The buffer holds 16 + 16 bytes; the long line comes in ten writes of 100 bytes.
        let read = try RecordIOFixtures.readLines(maximumLineBytes: 16, blockBytes: 16) { descriptor in
            RecordIOFixtures.writeAll(descriptor, Array("ok\n".utf8))
            for _ in 0..<10 {
                RecordIOFixtures.writeAll(descriptor, [UInt8](repeating: UInt8(ascii: "x"), count: 100))
                usleep(1000)
            }
            RecordIOFixtures.writeAll(descriptor, Array("\nnext\nlast".utf8))
        }
        #expect(read.lines == [line(1, "ok"), line(3, "next"), line(4, "last")])
        #expect(read.oversize.map { $0.number } == [2])
        #expect(read.oversize.first?.bytes == 1000)
    }

    @Test func manyOversizeLinesAmongGoodOnes() throws {
        var text = ""
        var expected: [Line] = []
        for number in 1...200 {
            if number % 7 == 0 {
                text += String(repeating: "y", count: 50 + number) + "\n"
            } else {
                text += "\(number)\n"
                expected.append(line(number, "\(number)"))
            }
        }
        let read = try RecordIOFixtures.readLines(Array(text.utf8), maximumLineBytes: 32, blockBytes: 64)
        #expect(read.lines == expected)
        #expect(read.oversize.map { $0.number } == Array(stride(from: 7, through: 200, by: 7)))
    }

    @Test func quotedRecordOverTheLimitIsItsFirstLineAlone() throws {
        // The record on lines 2-3 is 11 bytes, one over the limit: line 2 goes alone (its quote is not closed on
        // it), and line 3 is a record of its own.
        let ended = try RecordIOFixtures.readLines(
            Array("h\n\"a\nbcdefgh\"\nx\n".utf8), maximumLineBytes: 10, quotedNewlines: true)
        #expect(ended.lines == [line(1, "h"), line(2, "\"a"), line(3, "bcdefgh\""), line(4, "x")])
        #expect(ended.oversize.isEmpty)
        // The quote on line 2 is not closed within the limit: line 2 goes alone, and every later line is read.
        let open = try RecordIOFixtures.readLines(
            Array("h\n\"aaaa\nbbbb\ncccc\"\nx\ny\n".utf8), maximumLineBytes: 10, quotedNewlines: true)
        #expect(open.oversize.isEmpty)
        #expect(
            open.lines == [
                line(1, "h"), line(2, "\"aaaa"), line(3, "bbbb"), line(4, "cccc\""), line(5, "x"), line(6, "y"),
            ])
        // A single line over the limit with an open quote is still one oversize line.
        let long = try RecordIOFixtures.readLines(
            Array("h\n\"aaaaaaaaaaaaaaaa\nx\n".utf8), maximumLineBytes: 10, quotedNewlines: true)
        #expect(long.oversize.map { $0.number } == [2])
        #expect(long.lines == [line(1, "h"), line(3, "x")])
    }

    @Test func halfALineThenAPauseGivesOneCompleteLine() throws {
        let start = SystemCalls.monotonicSeconds()
        let read = try RecordIOFixtures.readLines { descriptor in
            RecordIOFixtures.writeAll(descriptor, Array("12.5,3".utf8))
            usleep(300_000)
            RecordIOFixtures.writeAll(descriptor, Array("4.75,-1\n".utf8))
        }
        #expect(read.lines == [line(1, "12.5,34.75,-1")])
        #expect(read.oversize.isEmpty)
        #expect(SystemCalls.monotonicSeconds() - start >= 0.29)
    }

    @Test func aCompleteLineIsHandedOutWithoutWaitingForTheRest() throws {
        let (readEnd, writeEnd) = try RecordIOFixtures.pipe()
        defer {
            close(readEnd)
            close(writeEnd)
        }
        RecordIOFixtures.writeAll(writeEnd, Array("1,2\n3,".utf8))
        let reader = LineReader(descriptor: readEnd, source: "pipe", batchDeadline: 0.05)
        let batch = try #require(try reader.next())
        #expect(batch.lines.map { Array(batch.bytes(of: $0)) } == [Array("1,2".utf8)])
        RecordIOFixtures.writeAll(writeEnd, Array("4\n".utf8))
        let second = try #require(try reader.next())
        #expect(second.lines.map { Array(second.bytes(of: $0)) } == [Array("3,4".utf8)])
        #expect(second.lines.map { $0.number } == [2])
    }
}
