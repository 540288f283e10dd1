import VAE

/// Calibration of the anomaly threshold on the scores of the training records: a quantile of them, or an
/// extreme-value fit to their tail for a target false-alarm rate (``ExtremeValueThreshold``).
public enum ThresholdCalibration {
    /// The threshold `options` ask for on the training records' `scores`: the ``DetectorOptions/thresholdQuantile``
    /// quantile, or, with a ``DetectorOptions/thresholdRate``, the peaks-over-threshold threshold for that rate and
    /// the tail state scoring goes on updating.
    ///
    /// - Throws: ``DetectorError/Code/trainingFailed`` when an extreme-value threshold has no finite score to
    ///   start from.
    public static func calibrate(
        _ scores: [Float], options: DetectorOptions
    ) throws(DetectorError) -> (threshold: Float, tail: ThresholdTail?) {
        guard let rate = options.thresholdRate else { return (quantile(scores, options.thresholdQuantile), nil) }
        let moving = try ExtremeValueThreshold(calibratingOn: scores, rate: rate)
        return (moving.threshold, moving.tail)
    }

    /// Scores of the training records as fresh records like them would score: a network scores the records it
    /// learned from lower than records it has not seen, and a threshold calibrated on those optimistic scores lets
    /// more than the target rate of fresh normal records through (the more, the longer it trained). The records
    /// held out for early stopping were never learned from; the learned records' scores are scaled by the ratio of
    /// the held-out records' ``correctionQuantile`` quantile to theirs when that ratio is above 1, and held-out
    /// scores stay as they are. With fewer than ``minimumHeldOut`` held-out records the scores are returned as they
    /// are: too few to measure the gap.
    ///
    /// - Parameters:
    ///   - scores: one per training record, each ≥ 0 (recon and KL terms are).
    ///   - heldOut: indices into `scores` of the held-out records.
    public static func outOfSample(_ scores: [Float], heldOut: [Int]) -> (scores: [Float], ratio: Float) {
        guard heldOut.count >= minimumHeldOut, heldOut.count < scores.count else { return (scores, 1) }
        var isHeldOut = [Bool](repeating: false, count: scores.count)
        for row in heldOut { isHeldOut[row] = true }
        let learned = scores.indices.filter { !isHeldOut[$0] }.map { scores[$0] }
        let fresh = heldOut.map { scores[$0] }
        let learnedQuantile = quantile(learned, correctionQuantile)
        let ratio = quantile(fresh, correctionQuantile) / learnedQuantile
        guard ratio > 1, ratio.isFinite, learnedQuantile > 0 else { return (scores, 1) }
        return (scores.indices.map { isHeldOut[$0] ? scores[$0] : scores[$0] * ratio }, ratio)
    }

    /// The quantile at which held-out and learned scores are compared: high enough to speak of the tail, low
    /// enough that a tenth of a 1,000-record warm-up (10 records above it) measures it.
    public static let correctionQuantile = 0.9
    /// Held-out records needed to measure the gap.
    public static let minimumHeldOut = 100

    /// The quantile of the training scores used as threshold unless configured otherwise: about 1 training
    /// record in 200 scores above it.
    public static let defaultQuantile = 0.995

    /// The empirical `q`-quantile of `scores`, interpolating linearly between order statistics (Hyndman and
    /// Fan's type 7, numpy's default): with the scores sorted as s₀ ≤ … ≤ sₙ₋₁ and h = (n − 1)·q, it is
    /// s⌊h⌋ + (h − ⌊h⌋)·(s⌊h⌋₊₁ − s⌊h⌋). `q = 1` gives the largest score; one score is its own quantile.
    ///
    /// - Parameters:
    ///   - scores: at least one score, every one finite.
    ///   - q: in (0, 1].
    public static func quantile(_ scores: [Float], _ q: Double) -> Float {
        precondition(!scores.isEmpty, "ThresholdCalibration.quantile: no scores")
        precondition(q > 0 && q <= 1, "ThresholdCalibration.quantile: q is \(q); it must be in (0, 1]")
        let sorted = scores.sorted()
        let h = Double(sorted.count - 1) * q
        let lower = Int(h.rounded(.down))
        let fraction = h - Double(lower)
        guard fraction > 0, lower + 1 < sorted.count else { return sorted[lower] }
        let low = Double(sorted[lower])
        return Float(low + fraction * (Double(sorted[lower + 1]) - low))
    }
}
