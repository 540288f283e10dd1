import TestSupport
import Testing

/// `train`, `inspect`, `sample` and the help of every command.
@Suite("vaewatch train, inspect, sample, --help")
struct CommandTests {
    @Test("train prints a summary and writes a model that inspect describes")
    func trainAndInspect() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = directory.file("m.vaew")
        let input = Array(SyntheticStream(rows: 1_000, seed: 4).csv.utf8)
        let trained = try vaewatch(
            ["train", "--out", model, "--ignore", "label", "--epochs", "5", "--latent", "4"], input: input,
            in: directory)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stderr.contains("vaewatch: trained on 900 records (100 more held out)"))
        #expect(trained.stderr.contains("saved to \(model)"))
        let shown = try vaewatch(["inspect", model], in: directory)
        #expect(shown.status == 0, "\(shown.stderr)")
        for expected in [
            "checksum     CRC-32C verified", "created      20", "network      8 → 64 → 32 → latent 4", "threshold    ",
            "training     900 records (+100 held out), 5 epochs", "features     8", "  x7 ",
        ] {
            #expect(shown.stdout.contains(expected), "missing \(expected.debugDescription) in:\n\(shown.stdout)")
        }
        var bytes = try directory.contents(of: "m.vaew")
        bytes[bytes.count / 2] ^= 0x40
        try directory.write(bytes, to: "damaged.vaew")
        let damaged = try vaewatch(["inspect", directory.file("damaged.vaew")], in: directory)
        #expect(damaged.status == 66)
        #expect(damaged.stderr.contains("damaged.vaew"))
    }

    @Test("--loss chooses how reconstruction error is measured; inspect names it; an unknown loss is refused")
    func lossOption() throws {
        let directory = try TestDirectory("cli-loss")
        defer { directory.remove() }
        let input = Array(SyntheticStream(rows: 500, seed: 4).csv.utf8)
        for (loss, named) in [
            (nil, "Gaussian with learned variances"), ("gaussian", "Gaussian with learned variances"),
            ("squared-error", "squared error"),
        ] {
            let model = directory.file("\(loss ?? "default").vaew")
            let trained = try vaewatch(
                ["train", "--out", model, "--ignore", "label", "--epochs", "2"] + (loss.map { ["--loss", $0] } ?? []),
                input: input, in: directory)
            #expect(trained.status == 0, "\(trained.stderr)")
            let shown = try vaewatch(["inspect", model], in: directory)
            #expect(shown.stdout.contains("\(named) + 0.5·KL"), "--loss \(loss ?? "(default)"):\n\(shown.stdout)")
        }
        let refused = try vaewatch(
            ["train", "--out", directory.file("x.vaew"), "--loss", "mse"], input: input, in: directory)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--loss must be gaussian or squared-error, got mse"), "\(refused.stderr)")
    }

    @Test("sample writes N records in the model's features, CSV or JSON lines, the same for the same seed")
    func sample() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let csv = try vaewatch(["sample", model, "-n", "5", "--seed", "3"], in: directory)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.lines.first == Substring(TrainedModel.header))
        #expect(csv.lines.count == 6)
        #expect(csv.lines.dropFirst().allSatisfy { $0.split(separator: ",").count == 8 })
        let again = try vaewatch(["sample", model, "-n", "5", "--seed", "3"], in: directory)
        #expect(again.stdout == csv.stdout)
        let json = try vaewatch(["sample", model, "-n", "2", "--format", "jsonl"], in: directory)
        #expect(json.lines.count == 2)
        #expect(json.lines.allSatisfy { $0.hasPrefix("{\"x0\":") && $0.hasSuffix("}") })
        let scored = try vaewatch(["score", "--model", model], input: Array(csv.stdout.utf8), in: directory)
        #expect(scored.status == 0)
        #expect(scored.lines.count == 6)
    }

    @Test("every option of every command has help, and options with a default show it")
    func help() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        for command in ["score", "train", "inspect", "sample"] {
            let result = try vaewatch([command, "--help"], in: directory)
            #expect(result.status == 0)
            let lines = result.lines
            for (index, line) in lines.enumerated() where line.hasPrefix("  --") || line.hasPrefix("  -n") {
                let text = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                let explained =
                    line.trimmingPrefix(" ").contains("  ")
                    || (lines.indices.contains(index + 1) && lines[index + 1].hasPrefix("        "))
                #expect(explained, "\(command): no help for \(text.first ?? "")")
            }
        }
        let score = try vaewatch(["score", "--help"], in: directory).stdout.split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        for expected in [
            "(default: 2000)", "(default: 20000)", "(default: 20)", "(default: 0.995)", "(default: 1048576)",
        ] {
            #expect(score.contains(expected), "score --help lacks \(expected)")
        }
        let usage = try vaewatch(["score", "--warmup", "0"], in: directory)
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("--warmup must be at least 1"))
    }
}
