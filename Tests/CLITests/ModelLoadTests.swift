import Checkpoint
import TestSupport
import Testing
import VAE

/// Issue 20, item 3: `vaewatch score --model` loads a model file with every check the daemon makes; a threshold
/// tail out of range loaded before, never moved its threshold, and still said it did.
@Suite("vaewatch score --model: the model file's threshold tail is checked")
struct ModelLoadTests {
    @Test("a model whose tail rate is 0.7 is refused with the reason (exit 65); the untouched model scores")
    func tailOutOfRangeRefused() throws {
        let directory = try TestDirectory("model-load")
        defer { directory.remove() }
        let input = Array(SyntheticStream(rows: 600, seed: 3).csv.utf8)
        let model = directory.file("good.vaew")
        let trained = try vaewatch(
            ["train", "--out", model, "--ignore", "label", "--epochs", "2", "--threshold-rate", "0.01"],
            input: input, in: directory)
        try #require(trained.status == 0, "\(trained.stderr)")
        var (header, weights) = try ModelFileStore.read(path: model)
        try #require(header.thresholdTail != nil, "--threshold-rate fits a tail")
        header.thresholdTail?.rate = 0.7
        let bad = directory.file("bad.vaew")
        try ModelFileStore.write(try ModelFileFormat.encode(header: header, weights: weights), to: bad)

        let good = try vaewatch(["score", "--model", model, "--ignore", "label"], input: input, in: directory)
        #expect(good.status == 0, "\(good.stderr)")
        let refused = try vaewatch(["score", "--model", bad, "--ignore", "label"], input: input, in: directory)
        #expect(refused.status == 65, "\(refused.stdout.prefix(200))\(refused.stderr)")
        #expect(refused.stderr.contains("\(bad): "), "\(refused.stderr)")
        #expect(refused.stderr.contains("the rate is 0.7, not in (0, 0.5)"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
    }
}
