import Glibc
import TestSupport
import Testing

/// `--threshold-rate`: an extreme-value threshold from `train`, shown by `inspect`, moving while `score` streams.
@Suite("vaewatch train/score --threshold-rate")
struct ThresholdRateTests {
    /// Lines of `synthetic_shift.csv` (header first); fails the test with a hint when the shared data is missing.
    static func lines() throws -> [Substring] {
        let bytes = try readSharedData("synthetic_shift.csv", purpose: "the --threshold-rate command test")
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n")
    }

    @Test("train at r = 1e-2 on normal rows; inspect shows the method; score moves the threshold, flags about r")
    func trainInspectScore() throws {
        let lines = try Self.lines()
        let header = lines[0]
        let rows = Array(lines.dropFirst())
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = directory.file("rate.vaew")
        let normal = rows[0..<3_000].filter { $0.hasSuffix(",0") }
        let training = ([header] + normal).joined(separator: "\n") + "\n"
        let trained = try vaewatch(
            [
                "train", "--out", model, "--ignore", "label", "--threshold-rate", "1e-2", "--epochs", "30",
                "--hidden", "32,16", "--latent", "4", "--seed", "3", "--threads", "2",
            ], input: Array(training.utf8), in: directory)
        #expect(trained.status == 0, "\(trained.stderr)")

        let shown = try vaewatch(["inspect", model], in: directory)
        #expect(shown.status == 0, "\(shown.stderr)")
        print(shown.stdout)
        #expect(shown.stdout.contains("method       extreme value (peaks over threshold), target rate 0.01"))
        #expect(shown.stdout.contains("tail         ") && shown.stdout.contains("generalized Pareto shape"))

        // Rows 3,000..<10,000, sent 500 at a time so that each exchange is a batch of its own.
        let child = try Child(
            ["score", "--model", model, "--ignore", "label", "--threads", "2"], stdin: .pipe, stdout: .pipe,
            stderr: (directory, "score.err"))
        let output = try #require(child.output)
        var pending: [UInt8] = []
        var verdicts: [CSVVerdict] = []
        child.send(Array((header + "\n").utf8))
        #expect(readLine(output, within: 10, pending: &pending)?.hasSuffix(",anomaly") == true)
        let scored = Array(rows[3_000..<10_000])
        for start in stride(from: 0, to: scored.count, by: 500) {
            child.send(Array((scored[start..<start + 500].joined(separator: "\n") + "\n").utf8))
            while verdicts.count < start + 500, let line = readLine(output, within: 30, pending: &pending) {
                if let verdict = CSVVerdict(Substring(line)) { verdicts.append(verdict) }
            }
        }
        let (status, _) = child.wait()
        #expect(status == 0, "\(child.errors)")
        try #require(verdicts.count == scored.count, "\(child.errors)")
        let normalIndices = scored.indices.filter { scored[$0].hasSuffix(",0") }
        let alarms = normalIndices.count { verdicts[$0].anomaly }
        let observed = Double(alarms) / Double(normalIndices.count)
        let thresholds = Set(verdicts.map(\.threshold))
        print(
            "vaewatch score, r = 0.01: \(alarms) of \(normalIndices.count) normal rows flagged = \(observed); "
                + "\(thresholds.count) thresholds from \(verdicts.first?.threshold ?? 0) to "
                + "\(verdicts.last?.threshold ?? 0)")
        #expect(thresholds.count > 1, "the threshold column moves with the stream")
        #expect(verdicts.allSatisfy { $0.anomaly == ($0.score > $0.threshold) }, "each row is compared with its own")
        #expect(observed >= 0.01 / 3 && observed <= 0.01 * 3)
    }

    @Test("a rate outside (0, 0.5) is refused before any work, naming the option")
    func badRate() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        for rate in ["0", "0.5", "-1e-3"] {
            let result = try vaewatch(
                ["train", "--out", directory.file("m.vaew"), "--threshold-rate=\(rate)"], input: [], in: directory)
            #expect(result.status == 64, "\(rate): \(result.stderr)")
            #expect(result.stderr.contains("threshold rate"), "\(rate): \(result.stderr)")
        }
    }
}
