import TestSupport
import Testing

/// Inputs that end before a record (issue 19, item 11): JSON lines that are all bad get their located rejects, and an
/// empty input with a model is 0 records in both formats, while training on nothing is refused.
@Suite("vaewatch score and train: inputs without a record")
struct InputEndTests {
    @Test("JSON lines all bad: each has its located reject on stderr and in --rejects, with and without a model")
    func everyBadJSONLineIsRejected() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let input = Array("{\"x0\":\n[1,2]\n\"text\"\n".utf8)
        for (index, arguments) in [["score", "--model", model], ["score"]].enumerated() {
            let rejects = directory.file("rejects-\(index).jsonl")
            let result = try vaewatch(
                arguments + ["--format", "jsonl", "--rejects", rejects], input: input, in: directory)
            #expect(result.status == 65, "\(result.stderr)")
            for line in 1...3 { #expect(result.stderr.contains("vaewatch: <stdin>:\(line): not valid JSON")) }
            let written = String(decoding: try directory.contents(of: "rejects-\(index).jsonl"), as: UTF8.self)
            #expect(written.split(separator: "\n").count == 3, "\(written)")
            #expect(written.contains("\"line\":3"), "\(written)")
        }
        let learning = try vaewatch(["score", "--format", "jsonl"], input: input, in: directory)
        #expect(
            learning.stderr.hasSuffix(
                "no line is a JSON object to take the columns from: 3 lines rejected, as shown above\n"))
    }

    @Test("with a model, an empty input is 0 records and status 0 in both formats; train refuses it")
    func emptyInputWithAModel() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        for (format, input) in [("jsonl", ""), ("csv", ""), ("csv", TrainedModel.header + "\n")] {
            let result = try vaewatch(
                ["score", "--model", model, "--format", format], input: Array(input.utf8), in: directory)
            #expect(result.status == 0, "\(format) \(input.debugDescription): \(result.stderr)")
            #expect(result.stdout == (input.isEmpty ? "" : TrainedModel.header + ",score,recon,kl,threshold,anomaly\n"))
        }
        for (format, input) in [("jsonl", ""), ("csv", ""), ("csv", TrainedModel.header + "\n")] {
            let result = try vaewatch(
                ["train", "--out", directory.file("none.vaew"), "--format", format], input: Array(input.utf8),
                in: directory)
            #expect(result.status == 65, "\(format) \(input.debugDescription): \(result.stderr)")
        }
    }
}
