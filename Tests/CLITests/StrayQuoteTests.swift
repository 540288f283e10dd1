import Glibc
import TestSupport
import Testing

/// A stray quote in CSV input (issue 17, item 5): the line that holds it is rejected alone, with its location, and
/// every line after it is answered; a pipe kept open gets those answers before its end.
@Suite("vaewatch score: a stray quote in CSV", .serialized)
struct StrayQuoteTests {
    @Test("a quote that never closes on line 3: line 3 is rejected, the 1,001 good lines are scored")
    func strayQuoteIsOneReject() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let lines =
            [TrainedModel.header, TrainedModel.goodLine, "\"" + TrainedModel.goodLine]
            + Array(repeating: TrainedModel.goodLine, count: 1_000)
        let rejects = directory.file("rejects.jsonl")
        let result = try vaewatch(
            ["score", "--model", model, "--rejects", rejects],
            input: Array((lines.joined(separator: "\n") + "\n").utf8), in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 1 + 1_001, "\(result.stderr)")
        #expect(result.stderr.contains("<stdin>:3: field 1 (x0): a quoted field is not closed"), "\(result.stderr)")
        #expect(result.stderr.contains("1 line rejected"), "\(result.stderr)")
        let rejected = String(decoding: try directory.contents(of: "rejects.jsonl"), as: UTF8.self)
            .split(separator: "\n")
        #expect(rejected.count == 1)
        #expect(rejected.first?.contains("\"line\":3") == true, "\(rejected)")
    }

    @Test("a quoted text field across lines is still one record; a quote in a number column is not")
    func quotedKeyAcrossLinesStaysOneRecord() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let lines = [
            "id," + TrainedModel.header,
            "\"two\nlines\"," + TrainedModel.goodLine,
            "plain,\"0.1," + TrainedModel.goodLine.split(separator: ",").dropFirst().joined(separator: ","),
            "\"three\nlines\nhere\"," + TrainedModel.goodLine,
            "last," + TrainedModel.goodLine,
        ]
        let result = try vaewatch(
            ["score", "--model", model, "--key", "id", "--output", "jsonl"],
            input: Array((lines.joined(separator: "\n") + "\n").utf8), in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        // Records on lines 2-3, 5-7 and 8 are scored; line 4 opens a quote in x0, a number, and is rejected alone.
        #expect(result.lines.count == 3, "\(result.stdout)")
        #expect(result.lines.first?.hasPrefix("{\"id\":\"two\\nlines\"") == true, "\(result.stdout)")
        #expect(result.lines.last?.hasPrefix("{\"id\":\"last\"") == true, "\(result.stdout)")
        #expect(result.stderr.contains("<stdin>:4: field 2 (x0): a quoted field is not closed"), "\(result.stderr)")
    }

    @Test("a pipe kept open: the good lines after a stray quote are answered before the input ends")
    func strayQuoteOnAnOpenPipe() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let child = try Child(["score", "--model", model], stdin: .pipe, stdout: .pipe, stderr: (directory, "err"))
        let output = try #require(child.output)
        var pending: [UInt8] = []
        let lines =
            [TrainedModel.header, TrainedModel.goodLine, "\"" + TrainedModel.goodLine]
            + Array(repeating: TrainedModel.goodLine, count: 10)
        child.send(Array((lines.joined(separator: "\n") + "\n").utf8))
        var answered: [String] = []
        while answered.count < 12, let line = readLine(output, within: 5, pending: &pending) {
            answered.append(line)
        }
        // All 12 (the header and 11 verdicts) arrived while the writer still holds the pipe open.
        #expect(answered.count == 12, "\(answered.count) lines before the end of input: \(child.errors)")
        let (status, _) = child.wait()
        #expect(status == 0)
        #expect(child.errors.contains("<stdin>:3: field 1 (x0): a quoted field is not closed"), "\(child.errors)")
    }
}
