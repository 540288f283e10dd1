import Compute
import Detector
import Testing
import VAE

/// The criterion: with the extreme-value threshold at a target rate r, the false-alarm rate on the normal
/// rows of `synthetic_shift.csv` before its shift stays within [r/3, 3r].
@Suite("Extreme value: false alarms on synthetic_shift.csv before the shift")
struct ExtremeValueDriftTests {
    /// Rows trained on (their normal ones).
    static let trainingRows = 0..<3_000
    /// Rows scored, streaming: up to the change of regime.
    static let scoredRows = 3_000..<DriftData.shiftIndex
    /// Records per scored batch; the threshold moves after each.
    static let batchSize = 100

    /// The default model, as `vaewatch train --threshold-rate` builds it.
    ///
    /// Measured with the model of 100 epochs at most and an uncorrected calibration, for seeds 1–12 and 17: 86–103
    /// alarms at r = 1e-2 and 12–20 at r = 1e-3 among 6,922 normal rows (the band is 23–207 and 2.3–20.8). The rate
    /// at 1e-3 runs high because rows 3,000–10,000 score a little above the first 3,000 (their 0.99 quantile is
    /// exceeded by 1.4 % of them; on a random split, 1 %). With 5,000 steps at least (455 epochs here) the network
    /// fits its training rows closer, and seeds 2, 3 and 6 gave 23, 21 and 22 alarms at 1e-3; the calibration's
    /// out-of-sample correction brings them to 14, 18 and 17 (68, 93 and 82 at 1e-2), leaving room for another
    /// machine's BLAS kernels. A smaller network (32, 16; k = 4) went past 3r at 1e-3 for 4 of 10 seeds.
    static func options(rate: Double) -> DetectorOptions {
        var options = DetectorOptions()
        options.thresholdRate = rate
        return options
    }

    /// Streams `detector` over ``scoredRows`` in batches, moving its threshold after each; returns the alarms and
    /// the normal rows, what the threshold it started with would have flagged, how many thresholds were used,
    /// and the detector at the end.
    static func stream(
        _ detector: Detector, _ data: DriftData, pool: ThreadPool
    ) -> (alarms: Int, normals: Int, fixedAlarms: Int, thresholds: Int, last: Detector) {
        var detector = detector
        let calibrated = detector.threshold
        var normals = 0
        var alarms = 0
        var fixedAlarms = 0
        var thresholds: Set<Float> = []
        for first in stride(from: scoredRows.lowerBound, to: scoredRows.upperBound, by: batchSize) {
            let rows = first..<min(first + batchSize, scoredRows.upperBound)
            let verdicts = detector.score(data.batch(rows), pool: pool)
            thresholds.insert(verdicts.threshold)
            for (index, row) in rows.enumerated() where !data.labels[row] {
                normals += 1
                if verdicts.isAnomaly[index] { alarms += 1 }
                if verdicts.score[index] > calibrated { fixedAlarms += 1 }
            }
            detector = detector.updatingThreshold(with: verdicts.score)
        }
        return (alarms, normals, fixedAlarms, thresholds.count, detector)
    }

    @Test(
        "trained on the normal rows of 0..<3,000 at r = 1e-2 and 1e-3, streamed over 3,000..<10,000",
        arguments: [UInt64(2), 3, 6])
    func falseAlarmRate(seed: UInt64) throws {
        let data = try DriftData.shared.get()
        let pool = ThreadPool(threadCount: 2)
        let training = data.batch(Self.trainingRows.filter { !data.labels[$0] })
        var options = Self.options(rate: 1e-2)
        options.training.seed = seed
        let result = try Detector.train(
            featureNames: data.featureNames, on: training, options: options, pool: pool, createdAt: 1_700_000_000)
        let trained = result.detector
        // Training is bit-identical for a seed whatever the rate, so the 1e-3 detector is the same network
        // calibrated as `Detector.train` would for that rate.
        let trainingScores = trained.score(training, pool: pool).score
        options.thresholdRate = 1e-3
        let (threshold, tail) = try ThresholdCalibration.calibrate(
            ThresholdCalibration.outOfSample(trainingScores, heldOut: result.heldOutRows).scores, options: options)
        var header = trained.header
        header.threshold = threshold
        header.thresholdTail = tail
        let detectors = [(1e-2, trained), (1e-3, try Detector(model: trained.model, header: header))]
        for (rate, detector) in detectors {
            let run = Self.stream(detector, data, pool: pool)
            let observed = Double(run.alarms) / Double(run.normals)
            let quantile = ThresholdCalibration.quantile(trainingScores, 1 - rate)
            let quantileAlarms = Self.stream(
                try Detector(model: trained.model, header: SmallHeader.quantile(trained.header, quantile)), data,
                pool: pool
            ).alarms
            let end = try #require(run.last.extremeValueThreshold)
            print(
                "synthetic_shift, seed \(seed), r = \(rate): \(run.alarms) alarms on \(run.normals) normal rows = "
                    + "\(observed) (want \(rate / 3)…\(rate * 3)); threshold \(detector.threshold) at training → "
                    + "\(run.last.threshold) at row 10,000 (\(run.thresholds) values); without moving it "
                    + "\(run.fixedAlarms) alarms; the training scores' \(1 - rate) quantile \(quantile) gives "
                    + "\(quantileAlarms), their 0.995 quantile is "
                    + "\(ThresholdCalibration.quantile(trainingScores, ThresholdCalibration.defaultQuantile)); tail at "
                    + "the end: t = \(end.peakThreshold), \(end.peakCount) peaks in \(end.recordCount) records, "
                    + "γ = \(end.distribution.shape), σ = \(end.distribution.scale)")
            #expect(observed >= rate / 3 && observed <= rate * 3, "seed \(seed), r = \(rate)")
            #expect(run.thresholds > 1, "the threshold moves with the stream")
        }
    }
}

/// Headers for comparison detectors.
enum SmallHeader {
    /// `header` with a fixed quantile threshold `threshold` and no tail.
    static func quantile(_ header: ModelHeader, _ threshold: Float) -> ModelHeader {
        var header = header
        header.threshold = threshold
        header.thresholdTail = nil
        return header
    }
}
