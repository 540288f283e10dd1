import Compute

#if canImport(Glibc)
    import Glibc
#endif

/// A record's time as the network's conditioning inputs (``VAE/Architecture/conditionWidth``): where it falls in
/// the day and in the week, each as a point on a circle, so that 23:59 lies next to 00:00 and Sunday night next to
/// Monday morning. With them the model learns what is normal *when*: night-time traffic at noon, or noon's at
/// night, is far from what it learned for that hour, though either is normal at its own.
///
/// Times are seconds since 1970-01-01T00:00:00Z, and the day and the week are UTC's. The phase does not matter to
/// the model, which learns a cycle wherever it lies; only a daylight-saving change shifts a local cycle by an hour.
/// They are inputs, not features: the network does not reconstruct them, so they add nothing to a record's
/// reconstruction error and never explain a verdict.
public enum TimeContext {
    /// Conditioning inputs per record.
    public static let inputWidth = 4
    /// What each input is, in order, for people (`vaewatch inspect`).
    public static let inputNames = ["sin(time of day)", "cos(time of day)", "sin(time of week)", "cos(time of week)"]
    /// Seconds in a day.
    static let day = 86_400.0
    /// Seconds in a week.
    static let week = 604_800.0

    /// The inputs of each time: `[sin 2πd, cos 2πd, sin 2πw, cos 2πw]`, where d and w are the fractions of the day
    /// and of the week gone (the week counted from a Thursday, 1970-01-01; any origin would do). `[n, 4]`
    ///
    /// - Parameter times: seconds since 1970, one per record, every one finite. `[n]`
    public static func inputs(_ times: [Double]) -> Matrix {
        var storage: [Float] = []
        storage.reserveCapacity(times.count * inputWidth)
        for time in times {
            precondition(time.isFinite, "TimeContext: a time of \(time) seconds")
            let dayAngle = 2 * Double.pi * fraction(time, of: day)
            let weekAngle = 2 * Double.pi * fraction(time, of: week)
            storage.append(Float(sin(dayAngle)))
            storage.append(Float(cos(dayAngle)))
            storage.append(Float(sin(weekAngle)))
            storage.append(Float(cos(weekAngle)))
        }
        return Matrix(rows: times.count, cols: inputWidth, storage: storage)
    }

    /// The fraction of `period` gone at `time`, in [0, 1), for times before 1970 too.
    static func fraction(_ time: Double, of period: Double) -> Double {
        let remainder = time.truncatingRemainder(dividingBy: period)
        let positive = remainder < 0 ? remainder + period : remainder
        return positive / period
    }
}
