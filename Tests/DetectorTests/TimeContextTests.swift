import Compute
import Glibc
import Detector
import TestSupport
import Testing
import VAE

/// A time column's time of day and day of week as the network's conditioning inputs (``TimeContext``): how they are
/// computed, trained on, scored with, kept by retrains and the training window, and checked against an input.
@Suite("Time context")
struct TimeContextTests {
    /// Records every 10 minutes over a week of a load with a daily cycle, in two features that follow it. `[n, 2]`
    static func dailyCycle(days: Int = 7, seed: UInt64 = 3) -> RecordBatch {
        var rng = SplitMix64(seed: seed)
        let n = days * 144
        let times = (0..<n).map { Double($0 * 600) }
        var values: [Float] = []
        for time in times {
            let load = 0.55 + 0.45 * sin(2 * Double.pi * (time / 86_400 - 0.25))
            values.append(Float(400 + 1600 * load + 40 * rng.normal()))
            values.append(Float(8 + 50 * load + 2 * rng.normal()))
        }
        return RecordBatch(
            keys: (0..<n).map { "r\($0)" }, features: Matrix(rows: n, cols: 2, storage: values), times: times)
    }

    static let trained = Result { () throws(DetectorError) -> Detector in
        try Detector.train(
            featureNames: ["requests", "cpu"], timeColumn: "ts", on: dailyCycle(),
            options: TrainedDetector.options(epochs: 40), pool: ThreadPool(threadCount: 2), createdAt: 1
        ).detector
    }

    @Test("each time is a point on the day's circle and on the week's: sine and cosine of the fraction gone")
    func inputsAreCyclical() {
        // 1970-01-01T00:00Z, 06:00 the same day, noon the day before, and one second before midnight.
        let inputs = TimeContext.inputs([0, 21_600, -43_200, 86_399])  // [4, 4]
        func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) < 1e-4 }
        #expect(inputs.row(0) == [0, 1, 0, 1])
        #expect(close(inputs[1, 0], 1) && close(inputs[1, 1], 0))
        #expect(close(inputs[1, 2], sin(2 * Double.pi / 28)) && close(inputs[1, 3], cos(2 * Double.pi / 28)))
        #expect(close(inputs[2, 0], 0) && close(inputs[2, 1], -1))
        #expect(close(inputs[2, 2], -sin(2 * Double.pi / 14)) && close(inputs[2, 3], cos(2 * Double.pi / 14)))
        // 23:59:59 lies next to the next midnight, on both circles.
        let next = TimeContext.inputs([86_400])
        for column in 0..<4 { #expect(abs(inputs[3, column] - next[0, column]) < 1e-3) }
    }

    @Test("a model trained with a time column takes 4 conditioning inputs and scores a record by its time")
    func trainedModelScoresByTime() throws {
        let detector = try Self.trained.get()
        #expect(detector.timeColumn == "ts")
        #expect(detector.model.architecture.conditionWidth == TimeContext.inputWidth)
        #expect(detector.header.timeColumn == "ts")
        // Noon's values, at noon and at midnight (day 8, past the training records).
        let noon = RecordBatch(
            keys: ["noon", "midnight"], features: Matrix(rows: 2, cols: 2, storage: [2000, 58, 2000, 58]),
            times: [7 * 86_400 + 43_200, 7 * 86_400])
        let verdicts = detector.score(noon)
        #expect(!verdicts.isAnomaly[0], "noon's values at noon: score \(verdicts.score[0]), \(detector.threshold)")
        #expect(verdicts.isAnomaly[1], "noon's values at midnight: score \(verdicts.score[1]), \(detector.threshold)")
        // Only the record's own columns explain it.
        #expect(verdicts[1].topFeatures.allSatisfy { ["requests", "cpu"].contains($0.name) })
        #expect(verdicts[1].topFeatures.map(\.share).reduce(0, +) > 0.99)
    }

    @Test("training refuses records without times, and a time column that is also a feature")
    func trainingNeedsTimes() throws {
        var untimed = Self.dailyCycle(days: 1)
        untimed.times = nil
        let options = TrainedDetector.options(epochs: 1)
        let pool = ThreadPool(threadCount: 1)
        #expect {
            try Detector.train(
                featureNames: ["requests", "cpu"], timeColumn: "ts", on: untimed, options: options, pool: pool,
                createdAt: 1)
        } throws: { ($0 as? DetectorError)?.description.contains("the records have no times") == true }
        #expect {
            try Detector.train(
                featureNames: ["requests", "cpu"], timeColumn: "cpu", on: Self.dailyCycle(days: 1), options: options,
                pool: pool, createdAt: 1)
        } throws: { ($0 as? DetectorError)?.description.contains("both a feature and the time column") == true }
    }

    @Test("checkTimeColumn: the same column or none on both sides passes; otherwise it says which and what to do")
    func checkTimeColumnSaysWhy() throws {
        let timed = try Self.trained.get()
        let plain = try SmallDetector.detector()
        #expect(throws: Never.self) { try timed.checkTimeColumn("ts") }
        #expect(throws: Never.self) { try plain.checkTimeColumn(nil) }
        func message(_ detector: Detector, _ column: String?) -> String {
            do {
                try detector.checkTimeColumn(column)
                return ""
            } catch {
                #expect(error.code == .incompatibleModel)
                return error.description
            }
        }
        #expect(
            message(plain, "ts")
                == #"the model was trained without a time column, so it cannot take "ts"'s time of day and day of "#
                + "week as inputs; train a model with this time column (--time-column ts, source.time_column), or "
                + "leave the time column out")
        #expect(
            message(timed, nil)
                == #"the model was trained with time column "ts" (its time of day and day of week are inputs of the "#
                + "network), and the input names none; name it (--time-column ts, source.time_column: ts), or use a "
                + "model trained without one")
        #expect(message(timed, "when").hasPrefix(#"the model was trained with time column "ts", not "when"; "#))
    }

    @Test("a header whose time column does not match its network's conditioning inputs is refused")
    func detectorRefusesAMismatchedHeader() throws {
        var header = SmallDetector.header()
        header.timeColumn = "ts"
        #expect {
            try Detector(model: SmallDetector.model(), header: header)
        } throws: { ($0 as? DetectorError)?.description.contains("not the 4 of a time column") == true }
    }

    @Test("a retrain on the window keeps the time context; the window holds each record's time")
    func retrainKeepsTheTimeContext() throws {
        let detector = try Self.trained.get()
        let records = Self.dailyCycle(days: 2, seed: 9)
        var window = TrainingWindow(capacity: 200, width: 2)
        window.offer(records, verdicts: detector.score(records))
        let snapshot = window.snapshot()
        #expect(snapshot.count == 200)
        #expect(snapshot.times == Array(records.times!.suffix(200)), "the newest 200 records, oldest first")
        let retrained = try detector.retrained(
            on: snapshot, options: TrainedDetector.options(epochs: 2), pool: ThreadPool(threadCount: 1), createdAt: 2
        ).detector
        #expect(retrained.timeColumn == "ts" && retrained.version == 2)
        var untimed = snapshot
        untimed.times = nil
        #expect(throws: DetectorError.self) {
            try detector.retrained(
                on: untimed, options: TrainedDetector.options(epochs: 1), pool: ThreadPool(threadCount: 1),
                createdAt: 2)
        }
        // A record offered without its time leaves the window's snapshot without times.
        var mixed = TrainingWindow(capacity: 10, width: 2)
        mixed.offer(records.prefix(3), verdicts: detector.score(records.prefix(3)))
        var plain = records.rows([5])
        plain.times = nil
        mixed.offer(plain, verdicts: detector.score(records.rows([5])))
        #expect(mixed.snapshot().times == nil)
    }
}
