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
