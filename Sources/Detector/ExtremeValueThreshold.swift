import VAE

/// A threshold for a target false-alarm rate r, set by peaks over threshold and kept up to date as scores stream
/// (SPOT: Siffer, Fouque, Termier and Largouët, "Anomaly detection in streams with extreme value theory",
/// KDD 2017).
///
/// Calibration: t is a high quantile of the training scores (``initialQuantile(forRate:)``: 0.98 for r ≤ 0.002,
/// 1 − 10·r above); the scores above it are the peaks, N_t of them among n scores; a ``GeneralizedPareto``
/// distribution is fitted to their excesses over t; the threshold z is the score exceeded with probability r:
///
///     z = t + σ/γ·((r·n/N_t)^(−γ) − 1)   (γ ≠ 0),    z = t − σ·log(r·n/N_t)   (γ = 0).
///
/// Streaming (``update(with:)``): a score above z is an alarm and changes nothing; a score in (t, z] joins the
/// peaks; every score at or below z counts in n. The distribution is fitted again once the peaks have grown or
/// turned over by a tenth (a fit starts from the last one and costs a handful of passes over the peaks, about 80
/// when it has to search afresh, so this keeps the cost per record small and independent of how many peaks are
/// kept), and z is recomputed after every update since n/N_t moves anyway.
///
/// Censoring: keeping only the peaks at or below z cuts the top off the tail, and a fit that ignored it would find
/// a shorter tail, lower z, cut more, and slide on (measured: at r = 1e-3 on χ²₈ scores, 200 peaks kept, z fell
/// from the 1e-3 quantile to the 1.2e-2 one within 100,000 records). So the fit counts m = r·(records scored since
/// calibration) excesses as lying above z − t (``GeneralizedPareto/fit(_:censored:at:)``), and z uses
/// (n + m)/(N_t + m): the normal records expected above z, without the alarms themselves, which may be real
/// anomalies and must not lift the threshold. When z sits where it should this changes nothing, and it pulls a z
/// that is off back towards the r quantile.
///
/// Bounded: only the most recent ``ThresholdTail/capacity`` peaks are kept, and with each peak the records since
/// the one before it, so n/N_t is the exceedance rate of t over the records the kept peaks span and a daemon that
/// runs for months keeps a bounded state that follows a slowly changing tail.
///
/// Drift: a falling tail is followed readily; a rising one late, because the scores above z that would show it
/// are the alarms, which are not kept (on χ²₈ scores whose scale grows by 30 % over 300,000 records, 1,000 peaks
/// kept: 1.0e-3 flagged at the end for r = 1e-3, 1.9e-2 for r = 1e-2, against 1.2e-2 and 5.3e-2 with z fixed). A
/// fast change of the normal is for a retrain, which calibrates afresh.
///
/// When r·n/N_t ≥ 1 (t is already exceeded less often than r), and before any peak, z = t.
public struct ExtremeValueThreshold: Sendable, Equatable {
    /// The highest quantile of the training scores used as t (for r ≤ 0.002).
    public static let defaultInitialQuantile = 0.98
    /// Peaks kept by default.
    public static let defaultCapacity = 5_000
    /// The distribution is fitted again after `peaks / refitDivisor` new peaks (at least one).
    public static let refitDivisor = 10

    /// The state, as a model file keeps it.
    public private(set) var tail: ThresholdTail
    /// The threshold z in force: a score above it is an alarm.
    public private(set) var threshold: Float
    /// Records the kept peaks span: n. Always `tail.gaps.sum + tail.recordsSinceLastPeak`.
    public private(set) var recordCount: Int

    /// The target false-alarm rate r.
    public var rate: Double { tail.rate }
    /// The peaks' threshold t.
    public var peakThreshold: Float { tail.peakThreshold }
    /// Peaks kept: N_t.
    public var peakCount: Int { tail.peaks.count }
    /// The fitted distribution of the excesses over t.
    public var distribution: GeneralizedPareto { GeneralizedPareto(shape: tail.shape, scale: tail.scale) }

    /// The initial quantile used for `rate` when none is given: 1 − f with f = 10·r of the training scores above t
    /// (but at least 2 %, as in SPOT, and at most 1/2 + r so that t stays below z): the peaks are the top f, of
    /// which z cuts off a tenth. With t closer to z the cut part weighs on the fit and a rising tail is followed
    /// late: on χ²₈ scores at r = 1e-2 whose scale grows by 30 % over 300,000 records (1,000 peaks kept), t at the
    /// 0.98 quantile ended with z 19 % low and 4.3 % of records flagged; at the 0.9 quantile, 6 % low and 1.9 %.
    public static func initialQuantile(forRate rate: Double) -> Double {
        1 - max(1 - defaultInitialQuantile, min(10 * rate, 0.5 + rate))
    }

    /// Calibrates on `scores` (the training records' scores, in order; values that are not finite are left out).
    ///
    /// - Parameters:
    ///   - rate: the target false-alarm rate r, in (0, 0.5).
    ///   - initialQuantile: the quantile of `scores` that becomes t, in (0, 1); default
    ///     ``initialQuantile(forRate:)``.
    ///   - capacity: most peaks kept, at least 1.
    /// - Throws: ``DetectorError/Code/trainingFailed`` when no score is finite.
    public init(
        calibratingOn scores: [Float], rate: Double, initialQuantile: Double? = nil, capacity: Int = defaultCapacity
    ) throws(DetectorError) {
        precondition(rate > 0 && rate < 0.5, "ExtremeValueThreshold: the rate is \(rate); it must be in (0, 0.5)")
        precondition(capacity >= 1, "ExtremeValueThreshold: the capacity is \(capacity); it must be at least 1")
        let finite = scores.filter(\.isFinite)
        guard !finite.isEmpty else {
            throw DetectorError(
                .trainingFailed,
                "no training score is finite, so no threshold can be calibrated; lower the learning rate or remove "
                    + "the outliers, and train again")
        }
        let q = initialQuantile ?? Self.initialQuantile(forRate: rate)
        precondition(q > 0 && q < 1, "ExtremeValueThreshold: the initial quantile is \(q); it must be in (0, 1)")
        let t = ThresholdCalibration.quantile(finite, q)
        tail = ThresholdTail(
            rate: rate, peakThreshold: t, shape: 0, scale: .leastNormalMagnitude, peaks: [], gaps: [],
            recordsSinceLastPeak: 0, scoredRecords: 0, peaksSinceFit: 0, capacity: capacity)
        recordCount = 0
        threshold = t
        count(finite, below: .infinity, scored: false)
        refit()
    }

    /// Resumes from a saved state.
    ///
    /// - Throws: ``DetectorError/Code/incompatibleModel`` naming the first field out of range.
    public init(tail: ThresholdTail) throws(DetectorError) {
        func refuse(_ reason: String) -> DetectorError {
            DetectorError(
                .incompatibleModel,
                "the model file's extreme-value threshold state is damaged: \(reason); retrain it with `vaewatch train`"
            )
        }
        guard tail.rate > 0 && tail.rate < 0.5 else { throw refuse("the rate is \(tail.rate), not in (0, 0.5)") }
        guard tail.peakThreshold.isFinite else { throw refuse("the peaks' threshold is \(tail.peakThreshold)") }
        guard tail.shape.isFinite, tail.scale.isFinite, tail.scale > 0 else {
            throw refuse("the fitted shape \(tail.shape) and scale \(tail.scale) are not finite with a positive scale")
        }
        guard tail.capacity >= 1, tail.peaks.count <= tail.capacity, tail.gaps.count == tail.peaks.count else {
            throw refuse(
                "\(tail.peaks.count) peaks and \(tail.gaps.count) gaps for a capacity of \(tail.capacity)")
        }
        guard tail.peaks.allSatisfy({ $0.isFinite && $0 > tail.peakThreshold }) else {
            throw refuse("a peak is not a finite score above \(tail.peakThreshold)")
        }
        guard tail.gaps.allSatisfy({ $0 >= 1 }), tail.recordsSinceLastPeak >= 0, tail.peaksSinceFit >= 0,
            tail.scoredRecords >= 0
        else {
            throw refuse("a record count is negative")
        }
        let (records, overflow) = tail.gaps.reduce((0, false)) { total, gap in
            let (sum, over) = total.0.addingReportingOverflow(gap)
            return (sum, total.1 || over)
        }
        guard !overflow, records.addingReportingOverflow(tail.recordsSinceLastPeak).overflow == false else {
            throw refuse("the record counts overflow")
        }
        guard tail.scoredRecords <= records + tail.recordsSinceLastPeak else {
            throw refuse("\(tail.scoredRecords) records scored of \(records + tail.recordsSinceLastPeak)")
        }
        self.tail = tail
        recordCount = records + tail.recordsSinceLastPeak
        threshold = Self.threshold(of: tail, records: recordCount)
    }

    /// Moves the threshold with `scores`, which were compared with ``threshold``: each one at or below it counts,
    /// those above t joining the peaks; the oldest peaks beyond the capacity go; the distribution is fitted again
    /// when enough peaks are new; and z is recomputed. Scores that are not finite are left out.
    public mutating func update(with scores: [Float]) {
        count(scores, below: threshold, scored: true)
        if tail.peaksSinceFit >= max(1, tail.peaks.count / Self.refitDivisor) {
            refit()
        } else {
            threshold = Self.threshold(of: tail, records: recordCount)
        }
    }

    /// Counts the finite `scores` at or below `limit` (as `scored` ones: compared with the threshold), appending
    /// those above t to the peaks, then drops the oldest peaks beyond the capacity and the records they span
    /// (calibration records first: they are the oldest).
    private mutating func count(_ scores: [Float], below limit: Float, scored: Bool) {
        let t = tail.peakThreshold
        var since = tail.recordsSinceLastPeak
        var records = recordCount
        var counted = 0
        var added = 0
        for score in scores where score.isFinite && score <= limit {
            counted += 1
            if score > t {
                tail.peaks.append(score)
                tail.gaps.append(since + 1)
                since = 0
                added += 1
            } else {
                since += 1
            }
        }
        records += counted
        let excess = tail.peaks.count - tail.capacity
        if excess > 0 {
            records -= tail.gaps[..<excess].reduce(0, +)
            tail.peaks.removeFirst(excess)
            tail.gaps.removeFirst(excess)
        }
        tail.recordsSinceLastPeak = since
        tail.peaksSinceFit += added
        if scored { tail.scoredRecords += counted }
        tail.scoredRecords = min(tail.scoredRecords, records)
        recordCount = records
    }

    /// Fits the distribution to the kept peaks' excesses over t, with the expected alarms censored at z − t, and
    /// recomputes z.
    private mutating func refit() {
        let t = Double(tail.peakThreshold)
        let fit = GeneralizedPareto.fit(
            tail.peaks.map { Double($0) - t }, censored: tail.rate * Double(tail.scoredRecords),
            at: Double(threshold) - t, near: distribution)
        tail.shape = fit.distribution.shape
        tail.scale = fit.distribution.scale
        tail.peaksSinceFit = 0
        threshold = Self.threshold(of: tail, records: recordCount)
    }

    /// z for `tail` over `records` records: t plus the excess the fitted distribution exceeds with probability
    /// r·(n + m)/(N_t + m), m = r·(records scored); t itself without peaks or when that probability is 1 or more;
    /// never above the largest finite `Float`.
    static func threshold(of tail: ThresholdTail, records: Int) -> Float {
        guard !tail.peaks.isEmpty, records > 0 else { return tail.peakThreshold }
        let censored = tail.rate * Double(tail.scoredRecords)
        let p = tail.rate * (Double(records) + censored) / (Double(tail.peaks.count) + censored)
        guard p < 1 else { return tail.peakThreshold }
        let excess = GeneralizedPareto(shape: tail.shape, scale: tail.scale).excess(exceededWith: p)
        let z = Double(tail.peakThreshold) + excess
        guard excess > 0, !z.isNaN else { return tail.peakThreshold }
        return Float(min(z, Double(Float.greatestFiniteMagnitude)))
    }
}
