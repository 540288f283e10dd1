import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `threshold.rate` in stdin mode: the threshold moves in the daemon's model slot, so the status shows it, a stop
/// checkpoints it, and a restart goes on from it.
@Suite("vaewatch serve (stdin): the moved extreme-value threshold reaches the status, the checkpoint and a restart")
struct ServeStdinThresholdRateTests {
    /// The `threshold` line of `vaewatch inspect` for the model file at `path`.
    static func threshold(ofModelAt path: String, in directory: TestDirectory) throws -> String {
        let inspected = try vaewatch(["inspect", path], in: directory)
        try #require(inspected.status == 0, "\(inspected.stderr)")
        let line = try #require(inspected.lines.first { $0.hasPrefix("threshold ") }, "\(inspected.stdout)")
        return String(line.dropFirst("threshold".count).drop { $0 == " " })
    }

    /// The threshold each scored line was compared with (the field before the last, `anomaly`).
    static func thresholds(_ lines: [TimedLine]) -> [String] {
        lines.map { line in
            let fields = line.text.split(separator: ",", omittingEmptySubsequences: false)
            return fields.count >= 2 ? String(fields[fields.count - 2]) : ""
        }
    }

    @Test("the stop checkpoint, the status and a restart hold the last move; an idle stop writes no checkpoint")
    func movedThresholdOutlivesTheDaemon() throws {
        let directory = try TestDirectory("serve-stdin-rate")
        defer { directory.remove() }
        let model = directory.file("rate.vaew")
        let history = SyntheticStream(rows: 2_000, seed: 11, labelColumn: false)
        let trained = try vaewatch(
            ["train", "--out", model, "--threshold-rate", "1e-2", "--epochs", "20", "--seed", "1", "--threads", "2"],
            input: Array(history.csv.utf8), in: directory)
        try #require(trained.status == 0, "\(trained.stderr)")
        let fitted = try Self.threshold(ofModelAt: model, in: directory)

        let fixture = try ServeFixture.stdin("serve-stdin-rate", settings: [("model.path", model)])
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        var rows = ServeRows(count: 2_000, skip: 2_000)
        // Each write waits for the one before to be scored, so that every 500 rows make at least one batch.
        for batch in 0..<3 {
            #expect(daemon.write((batch == 0 ? ServeRows.header : "") + rows.take(500)))
            let done = eventually(within: .seconds(20)) { scoredLines(daemon).count == (batch + 1) * 500 }
            try #require(done, "batch \(batch): \(scoredLines(daemon).count) lines\n\(daemon.errorText)")
        }
        let written = Self.thresholds(scoredLines(daemon))
        #expect(written.first == fitted, "the first batch is compared with the fitted threshold \(fitted)")
        #expect(Set(written).count >= 3, "each batch moves the threshold: \(Set(written).sorted())")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")

        // The stop wrote the slot's model, whose threshold the last batch moved, and the last status shows it.
        let checkpoint = fixture.stateDirectory + "/checkpoints/model-v000001.vwm"
        let saved = try Self.threshold(ofModelAt: checkpoint, in: directory)
        print("serve stdin, threshold.rate 1e-2: fitted \(fitted), written \(Set(written).count), saved \(saved)")
        #expect(!Set(written).contains(saved), "the checkpoint holds the last batch's move, after every written one")
        #expect(fixture.status()?["threshold"] == saved, "\(fixture.status()?.description ?? "no status")")

        // Without model.path the next daemon starts from that checkpoint, with the moved threshold.
        try fixture.writeConfiguration([
            ("source.kind", "stdin"), ("source.batch", "500"), ("training.every_seconds", "3600"),
            ("log.level", "info"),
        ])
        let restarted = try fixture.start()
        defer { restarted.kill() }
        try fixture.awaitReady(restarted)
        #expect(restarted.write(ServeRows.header + rows.take(100)))
        let scored = eventually(within: .seconds(20)) { scoredLines(restarted).count == 100 }
        try #require(scored, "\(scoredLines(restarted).count) lines\n\(restarted.errorText)")
        #expect(Self.thresholds(scoredLines(restarted)).first == saved)
        #expect(restarted.stop()?.status == 0, "\(restarted.errorText)")
        #expect(restarted.errorText.contains("checkpoint written"), "its 100 rows moved the threshold again")

        // A daemon that scores nothing leaves the checkpoint it started from as it is.
        let idle = try fixture.start()
        defer { idle.kill() }
        try fixture.awaitReady(idle)
        #expect(idle.write(ServeRows.header))
        #expect(idle.stop()?.status == 0, "\(idle.errorText)")
        #expect(!idle.errorText.contains("checkpoint written"), "nothing moved: \(idle.errorText)")
    }
}
