import Foundation
import Testing
import TestSupport

@testable import RecordIO
@testable import RecordParsing

/// ``RejectLog``: the reject storm, `--strict`, the message limit, and a rejects file that cannot be written
/// (RELIABILITY.md I12, I15).
@Suite struct RejectLogTests {
    /// Collects the messages a log writes.
    final class RecordIOMessages {
        var lines: [String] = []
    }

    /// Parsed lines for lines `first..<first + count` where `isBad(line)` lines were rejected.
    private func outcomes(_ first: Int, _ count: Int, isBad: (Int) -> Bool) -> ParsedLines {
        var parsed = HeldRecords().parsed
        for line in first..<(first + count) {
            let bad = isBad(line)
            parsed.outcomes.append((line, bad))
            if bad { parsed.rejects.append(Reject(source: "in", line: line, reason: "bad")) }
        }
        return parsed
    }

    private func log(
        strict: Bool = false, rejectsPath: String? = nil, messageLimit: Int = 100, into messages: RecordIOMessages
    ) throws -> RejectLog {
        try RejectLog(messageLimit: messageLimit, strict: strict, rejectsPath: rejectsPath) {
            messages.lines.append($0)
        }
    }

    @Test func stormOfSixtyPercentBadLinesStopsWithinAThousandLines() throws {
        let messages = RecordIOMessages()
        let log = try log(into: messages)
        var stopped: (error: RecordIOError, batch: Int)?
        for first in stride(from: 1, through: 1000, by: 50) {
            do {
                try log.record(outcomes(first, 50) { $0 % 5 < 3 })
            } catch {
                stopped = (error, first)
                break
            }
        }
        let (error, batch) = try #require(stopped, "no storm within 1,000 lines")
        #expect(error.code == .data)
        #expect(error.description.hasPrefix("too many bad lines: 60 of the last 100 were rejected (line 100); "))
        #expect(batch == 51)
        #expect(log.count == 60)
    }

    @Test func fortyPercentBadLinesAreNoStorm() throws {
        let messages = RecordIOMessages()
        let log = try log(into: messages)
        for first in stride(from: 1, through: 3000, by: 100) {
            try log.record(outcomes(first, 100) { $0 % 5 < 2 })
        }
        try log.finish(lastLine: 3000)
        #expect(log.count == 1200)
        #expect(log.fileErrors == 0)
    }

    @Test func stormAtTheEndOfAShortInputStopsToo() throws {
        let messages = RecordIOMessages()
        let log = try log(into: messages)
        try log.record(outcomes(1, 20) { $0 % 5 < 3 })
        #expect(throws: RecordIOError.self) { try log.finish(lastLine: 20) }
        let calm = try self.log(into: messages)
        try calm.record(outcomes(1, 20) { $0 % 5 < 2 })
        try calm.finish(lastLine: 20)
    }

    @Test func textColumnIsNamedWhenItCausesTheStorm() throws {
        let messages = RecordIOMessages()
        let log = try log(into: messages)
        var parsed = outcomes(1, 200) { _ in true }
        for index in parsed.rejects.indices {
            parsed.rejects[index].column = "host"
            parsed.rejects[index].isText = true
        }
        let error = #expect(throws: RecordIOError.self) { try log.record(parsed) }
        #expect(error?.description.contains("(line 100); column \"host\" holds text, not numbers") == true)
    }

    @Test func strictStopsAtTheFirstReject() throws {
        let messages = RecordIOMessages()
        let log = try log(strict: true, into: messages)
        try log.record(outcomes(1, 5) { _ in false })
        let reject = Reject(source: "in", line: 6, field: 2, column: "b", reason: "not a number: \"x\"")
        var parsed = outcomes(6, 3) { _ in false }
        parsed.rejects = [reject, Reject(source: "in", line: 7, reason: "second")]
        do {
            try log.record(parsed)
            Issue.record("a reject did not stop a strict log")
        } catch {
            #expect(error.code == .data)
            #expect(
                error.description == "stopping at the first bad line (--strict): in:6: field 2 (b): not a number: \"x\""
            )
        }
        #expect(log.count == 1)
        #expect(throws: RecordIOError.self) { try log.record([reject]) }
    }

    @Test func messagesStopAtTheLimitButCountingGoesOn() throws {
        let messages = RecordIOMessages()
        let log = try log(messageLimit: 3, into: messages)
        try log.record((1...5).map { Reject(source: "in", line: $0, reason: "bad") })
        #expect(log.count == 5)
        #expect(messages.lines.count == 4)
        #expect(messages.lines.first == "vaewatch: in:1: bad")
        #expect(messages.lines.last?.contains("3 rejects shown") == true)
    }

    @Test func rejectsFileGetsOneJSONObjectPerReject() throws {
        let directory = try TestDirectory("rejects")
        defer { directory.remove() }
        let messages = RecordIOMessages()
        do {
            let log = try log(rejectsPath: directory.file("rejects.jsonl"), into: messages)
            try log.record([
                Reject(source: "in", line: 3, field: 2, column: "a\"b", reason: "not a number: \"x\\y\""),
                Reject(source: "in", line: 9, reason: "a blank line"),
            ])
            #expect(log.fileErrors == 0)
        }
        let text = String(decoding: try directory.contents(of: "rejects.jsonl"), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let first = try #require(
            (try? JSONSerialization.jsonObject(with: Data(lines[0].utf8))) as? [String: Any], "\(lines)")
        #expect((first["line"] as? Int) == 3)
        #expect((first["field"] as? Int) == 2)
        #expect((first["column"] as? String) == "a\"b")
        #expect((first["reason"] as? String) == "not a number: \"x\\y\"")
        #expect(lines[1] == "{\"source\":\"in\",\"line\":9,\"reason\":\"a blank line\"}")
    }

    @Test func fullRejectsFileIsCountedWithoutStopping() throws {
        let messages = RecordIOMessages()
        let log = try log(rejectsPath: "/dev/full", into: messages)
        try log.record((1...3).map { Reject(source: "in", line: $0, reason: "bad") })
        #expect(log.count == 3)
        #expect(log.fileErrors == 3)
        let complaints = messages.lines.filter { $0.contains("cannot write to the rejects file /dev/full") }
        #expect(complaints.count == 1)
        #expect(complaints.first?.contains("No space left on device") == true)
    }

    @Test func fullRejectsFileStopsAStrictLog() throws {
        let messages = RecordIOMessages()
        let log = try log(strict: true, rejectsPath: "/dev/full", into: messages)
        do {
            try log.record([Reject(source: "in", line: 1, reason: "bad")])
            Issue.record("a failed write did not stop a strict log")
        } catch {
            #expect(error.code == .output)
            #expect(error.description.contains("No space left on device"))
        }
    }

    @Test func unopenableRejectsFileIsCountedOrStopsAStrictLog() throws {
        let messages = RecordIOMessages()
        let path = "/nonexistent-vaewatch-directory/rejects.jsonl"
        let log = try log(rejectsPath: path, into: messages)
        #expect(log.fileErrors == 1)
        try log.record([Reject(source: "in", line: 1, reason: "bad")])
        #expect(log.count == 1)
        #expect(messages.lines.contains { $0.contains("cannot open the rejects file \(path)") })
        #expect(throws: RecordIOError.self) { try self.log(strict: true, rejectsPath: path, into: messages) }
    }
}
