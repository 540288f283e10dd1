import Daemon
import Glibc
import Testing

/// The status line `vaewatch serve` keeps at the bottom of a terminal: exact bytes written through a pipe.
@Suite struct TerminalStatusLineTests {
    /// What a status line wrote, read back from the pipe it wrote to.
    private static func written(columns: Int = 80, _ body: (TerminalStatusLine) -> Void) throws -> String {
        var ends: [CInt] = [-1, -1]
        try #require(pipe(&ends) == 0)
        let line = TerminalStatusLine(descriptor: ends[1], columns: { columns })
        body(line)
        close(ends[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(ends[0], &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        close(ends[0])
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let clear = "\r\u{1B}[2K"

    @Test func logLinesGoAboveTheStatusWhichIsDrawnAgain() throws {
        let text = try Self.written { line in
            line.show("scoring: 10 records")
            line.writeAbove("info: retrained\n")
            line.show("scoring: 20 records")
        }
        #expect(
            text == Self.clear + "scoring: 10 records" + Self.clear + "info: retrained\n" + "scoring: 10 records"
                + Self.clear + "scoring: 20 records")
    }

    @Test func finishLeavesTheLastStatusAsAnOrdinaryLineAndLaterLogsArePlain() throws {
        let text = try Self.written { line in
            line.show("scoring: 5 records")
            line.finish(with: "scoring: 7 records")
            line.show("ignored after finish")
            line.writeAbove("info: stopped\n")
        }
        #expect(text == Self.clear + "scoring: 5 records" + Self.clear + "scoring: 7 records\n" + "info: stopped\n")
    }

    @Test func aLongStatusIsCutSoThatItNeverWraps() throws {
        let long = String(repeating: "x", count: 100)
        let text = try Self.written(columns: 40) { $0.show(long) }
        let shown = String(text.dropFirst(Self.clear.count))
        #expect(shown.count == 39)
        #expect(shown.hasSuffix("…"))
    }
}
