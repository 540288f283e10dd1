import TestSupport
import Testing

/// Issue 22, item 3: the time of day and day of week as inputs of the model (`--time-column`).
@Suite("vaewatch score --time-column: detection quality")
struct TimeContextQualityTests {
    /// Recall and false-alarm rate of a run's verdicts on the records after the normal days.
    struct Figures: CustomStringConvertible {
        var recall: Double
        var recallByKind: [Int: Double]
        var falseAlarmRate: Double
        var falseAlarms: Int
        var normal: Int

        init(_ verdicts: [CSVVerdict], stream: DailyCycleStream) {
            let scored = stream.normalRecords..<stream.kinds.count
            let anomalies = scored.filter { stream.kinds[$0] != 0 }
            let normal = scored.filter { stream.kinds[$0] == 0 }
            recall = Double(anomalies.count { verdicts[$0].anomaly }) / Double(anomalies.count)
            recallByKind = Dictionary(
                uniqueKeysWithValues: [1, 2].map { kind in
                    let planted = anomalies.filter { stream.kinds[$0] == kind }
                    return (kind, Double(planted.count { verdicts[$0].anomaly }) / Double(planted.count))
                })
            falseAlarms = normal.count { verdicts[$0].anomaly }
            self.normal = normal.count
            falseAlarmRate = Double(falseAlarms) / Double(normal.count)
        }

        var description: String {
            "recall \(recall) (daytime at night \(recallByKind[1] ?? 0), broken correlation \(recallByKind[2] ?? 0)), "
                + "false alarms \(falseAlarms) of \(normal) normal records (\(falseAlarmRate))"
        }
    }

    @Test("daytime values at night and broken correlations: recall +0.3 with the time column, no more false alarms")
    func timeColumnRaisesRecall() throws {
        let directory = try TestDirectory("time-context")
        defer { directory.remove() }
        let stream = DailyCycleStream(seed: 22)
        let input = Array(stream.csv.utf8)
        // A week of warm-up, so that every time of day and day of week has been seen; 1,000 gradient steps keep the
        // test short (the default 5,000 give the same recalls, 1.0 and 0.5, in five times as long).
        let common = ["score", "--warmup", String(stream.normalRecords), "--min-steps", "1000"]
        let without = try vaewatch(common + ["--ignore", "label,ts"], input: input, in: directory)
        #expect(without.status == 0, "\(without.stderr)")
        let with = try vaewatch(common + ["--ignore", "label", "--time-column", "ts"], input: input, in: directory)
        #expect(with.status == 0, "\(with.stderr)")
        let plain = without.lines.dropFirst().compactMap(CSVVerdict.init)
        let timed = with.lines.dropFirst().compactMap(CSVVerdict.init)
        try #require(plain.count == stream.kinds.count && timed.count == stream.kinds.count)
        let before = Figures(plain, stream: stream)
        let after = Figures(timed, stream: stream)
        print("without the time column: \(before)")
        print("with --time-column ts:   \(after)")
        #expect(after.recall >= before.recall + 0.3, "recall \(before.recall) → \(after.recall)")
        #expect(after.falseAlarmRate <= before.falseAlarmRate, "false alarms \(before) → \(after)")
    }
}
