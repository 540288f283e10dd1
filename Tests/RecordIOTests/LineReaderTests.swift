import Glibc
import Testing

@testable import RecordIO
@testable import RecordParsing

/// ``LineReader`` over a pipe: line endings, the byte-order mark, the last line, quoted newlines, empty input.
@Suite struct LineReaderTests {
    private typealias Line = RecordIOReadLines.Line

    private func line(_ number: Int, _ text: String) -> Line { Line(number: number, bytes: Array(text.utf8)) }

    @Test func lfAndCRLFGiveTheSameLines() throws {
        let lf = try RecordIOFixtures.readLines(Array("a,b\n1,2\n\n3,4\n".utf8))
        let crlf = try RecordIOFixtures.readLines(Array("a,b\r\n1,2\r\n\r\n3,4\r\n".utf8))
        #expect(lf.lines == [line(1, "a,b"), line(2, "1,2"), line(3, ""), line(4, "3,4")])
        #expect(crlf.lines == lf.lines)
        #expect(crlf.oversize.isEmpty)
    }

    @Test func onlyTheLastCarriageReturnOfALineGoes() throws {
        let read = try RecordIOFixtures.readLines(Array("a\rb\r\r\n".utf8))
        #expect(read.lines == [line(1, "a\rb\r")])
    }

    @Test func byteOrderMarkIsDroppedOnTheFirstLineOnly() throws {
        let read = try RecordIOFixtures.readLines(Array("\u{FEFF}a,b\n\u{FEFF}1,2\n".utf8))
        #expect(read.lines == [line(1, "a,b"), line(2, "\u{FEFF}1,2")])
        let plain = try RecordIOFixtures.readLines(Array("a,b\n1,2\n".utf8))
        #expect(plain.lines == [line(1, "a,b"), line(2, "1,2")])
        let crlf = try RecordIOFixtures.readLines(Array("\u{FEFF}a,b\r\n".utf8))
        #expect(crlf.lines == [line(1, "a,b")])
    }

    @Test func lastLineWithoutNewlineIsALine() throws {
        let read = try RecordIOFixtures.readLines(Array("a,b\n1,2".utf8))
        #expect(read.lines == [line(1, "a,b"), line(2, "1,2")])
        let crlf = try RecordIOFixtures.readLines(Array("a,b\r\n1,2\r".utf8))
        #expect(crlf.lines == [line(1, "a,b"), line(2, "1,2")])
        let single = try RecordIOFixtures.readLines(Array("x".utf8))
        #expect(single.lines == [line(1, "x")])
    }

    @Test("the look ahead after a CSV header: the buffered lines, none consumed, the leading bytes kept")
    func bufferedLinesAfterTheHeader() throws {
        let (readEnd, writeEnd) = try RecordIOFixtures.pipe()
        defer { close(readEnd) }
        _ = RecordIOFixtures.writeAll(writeEnd, Array("a,b\n1,2\r\n3,4\n5,6".utf8))
        close(writeEnd)
        let reader = LineReader(descriptor: readEnd, source: "in", quotedNewlines: true)
        let header = try #require(try reader.next())
        #expect(header.lines.map(\.number) == [1])
        #expect(reader.leadingBytes == Array("a,".utf8))
        #expect(reader.bufferedLines(limit: 2) == [Array("1,2".utf8), Array("3,4".utf8)])
        #expect(reader.bufferedLines(limit: 9) == [Array("1,2".utf8), Array("3,4".utf8), Array("5,6".utf8)])
        let rest = try #require(try reader.next())
        #expect(rest.lines.map(\.number) == [2, 3, 4])
        #expect(reader.bufferedLines(limit: 9).isEmpty)
    }

    @Test func emptyInputEndsAtOnce() throws {
        let read = try RecordIOFixtures.readLines([])
        #expect(read.batches == 0)
        #expect(read.lines.isEmpty && read.oversize.isEmpty)
    }

    @Test func quotedNewlinesKeepOneRecordAndLineNumbersCountPhysicalLines() throws {
        let input = Array("id,note\n1,\"two\nlines\"\n2,\"three\r\nline\nrecord\"\n3,plain\n".utf8)
        let csv = try RecordIOFixtures.readLines(input, quotedNewlines: true)
        #expect(
            csv.lines == [
                line(1, "id,note"), line(2, "1,\"two\nlines\""), line(4, "2,\"three\r\nline\nrecord\""),
                line(7, "3,plain"),
            ])
        let plain = try RecordIOFixtures.readLines(input, quotedNewlines: false)
        #expect(plain.numbers == Array(1...7))
    }

    @Test func quoteInsideAnUnquotedFieldDoesNotSwallowLines() throws {
        let read = try RecordIOFixtures.readLines(Array("a,b\n1,x\"y\n2,3\n".utf8), quotedNewlines: true)
        #expect(read.lines == [line(1, "a,b"), line(2, "1,x\"y"), line(3, "2,3")])
    }

    @Test func quoteStillOpenAtTheEndIsItsLineAlone() throws {
        let read = try RecordIOFixtures.readLines(Array("a,b\n1,\"open\n2,3".utf8), quotedNewlines: true)
        #expect(read.lines == [line(1, "a,b"), line(2, "1,\"open"), line(3, "2,3")])
    }

    @Test func manyLinesAcrossBatchesKeepTheirOrder() throws {
        let text = (1...3000).map { "\($0),\($0 * 2)\n" }.joined()
        let read = try RecordIOFixtures.readLines(maximumLineBytes: 64, blockBytes: 1000) { descriptor in
            RecordIOFixtures.writeAll(descriptor, Array(text.utf8))
        }
        #expect(read.numbers == Array(1...3000))
        #expect(read.lines.last?.text == "3000,6000")
        #expect(read.batches > 10)
    }
}
