import TestSupport
import Testing

/// The verdict columns at the end of a CSV output line.
struct CSVVerdict {
    var score: Float
    var threshold: Float
    var anomaly: Bool

    init?(_ line: Substring) {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 5, let score = Float(fields[fields.count - 5]),
            let threshold = Float(fields[fields.count - 2])
        else { return nil }
        self.score = score
        self.threshold = threshold
        anomaly = fields[fields.count - 1] == "1"
    }
}

@Suite("vaewatch score: detection quality and reproducibility")
struct ScoreQualityTests {
    @Test("a seeded stream with 1% planted anomalies: AUROC ≥ 0.95 with no model given")
    func plantedAnomalies() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let stream = SyntheticStream(rows: 20_000, seed: 7)
        let result = try vaewatch(
            ["score", "--ignore", "label", "--warmup", "5000"],
            input: Array(stream.csv.utf8), in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let verdicts = result.lines.dropFirst().compactMap(CSVVerdict.init)
        try #require(verdicts.count == stream.labels.count)
        let area = auroc(verdicts.map(\.score), stream.labels)
        let flagged = verdicts.indices.filter { verdicts[$0].anomaly }
        let truePositives = flagged.filter { stream.labels[$0] == 1 }.count
        let precision = Double(truePositives) / Double(max(1, flagged.count))
        let recall = Double(truePositives) / Double(stream.labels.reduce(0, +))
        print("planted anomalies: AUROC \(area), precision \(precision), recall \(recall) at the calibrated threshold")
        #expect(area >= 0.95)
        #expect(recall > 0.3, "the calibrated threshold should catch a good part of the planted anomalies")
    }

    @Test("warm-up then --save, then --model on the same input: identical output")
    func warmupMatchesSavedModel() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let input = Array(SyntheticStream(rows: 6_000, seed: 3).csv.utf8)
        let model = directory.file("model.vaew")
        let learned = try vaewatch(
            ["score", "--ignore", "label", "--warmup", "2000", "--epochs", "10", "--save", model], input: input,
            in: directory)
        #expect(learned.status == 0, "\(learned.stderr)")
        let reused = try vaewatch(["score", "--ignore", "label", "--model", model], input: input, in: directory)
        #expect(reused.status == 0, "\(reused.stderr)")
        #expect(learned.lines.count == 6_001)
        #expect(learned.stdout == reused.stdout)
    }
}
