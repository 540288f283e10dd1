/// Which scored records a ``TrainingWindow`` takes in: the settings of the rules described there.
///
/// The defaults are meant for any stream; they were checked on `synthetic_shift.csv` (a regime change, planted
/// spikes and correlation breaks) but not fitted to it: the tail band is measured in the model's own spread, the
/// regime fence in robust deviations, and a regime change needs most of the recent records flagged.
public struct AdmissionPolicy: Sendable, Equatable {
    /// How many of the most recent records offered the window watches, at least 1: their verdicts give the
    /// flagged fraction that signals a regime change, and the scores the model in use gave them give the median
    /// and spread that the bands are measured from. A burst shorter than half of it never starts a regime change.
    public var recentSpan = 2_000
    /// Width of the tail band, at least 0: a flagged record enters when its score is at most
    /// `threshold + tailWidth × (threshold − median)`, the median being that of the recent scores. With 1, the band
    /// reaches as far above the threshold as the threshold is above a typical record: it holds the normal records
    /// just above the threshold (about 1 − quantile of them) but not spikes. Without it every retrain calibrates on
    /// a sample cut at the last threshold and flags more: measured on `synthetic_shift.csv` with quantile 0.99,
    /// 2.05 % of normal records flagged before the change with width 0, 1.11 % with width 1.
    public var tailWidth: Float = 1
    /// Width of the regime fence in median absolute deviations (MADs), above 0: during a regime change a flagged
    /// record enters when its score is at most `median + regimeFenceWidth × MAD` of the recent scores (or within
    /// the tail band, if that is higher), so the new normal comes in but records far out even by its standard stay
    /// out. 10 MADs is about 6.7 standard deviations of a normal distribution; scores are skewed, so the fence is
    /// wide.
    public var regimeFenceWidth: Float = 10
    /// Fraction of the last ``recentSpan`` records offered that must be flagged to start a regime change, in
    /// (0, 1); it ends when half this fraction or less are flagged. Above ½ the change is most of the traffic for at
    /// least half the span: an incident mixed into normal traffic does not reach it, a new normal that the model
    /// flags everywhere does.
    public var regimeChangeLevel = 0.5
    /// Whether the records held are dropped when a regime change starts, so that the next retrain learns the new
    /// normal alone instead of both. Measured on `synthetic_shift.csv` (5 seeds): after the first retrain following
    /// the change, 0.39 % of normal records flagged with the old records dropped, 2.91 % when they stay.
    public var forgetsOnRegimeChange = true

    /// The defaults above.
    public init() {}

    /// Checks every setting and names the first bad one.
    public func validate() throws(DetectorError) {
        guard recentSpan >= 1 else {
            throw DetectorError(
                .invalidOptions, "the window's recent span is \(recentSpan) records; it must be at least 1")
        }
        guard tailWidth.isFinite && tailWidth >= 0 else {
            throw DetectorError(
                .invalidOptions, "the window's tail width is \(tailWidth); it must be a finite number of at least 0")
        }
        guard regimeFenceWidth.isFinite && regimeFenceWidth > 0 else {
            throw DetectorError(
                .invalidOptions,
                "the window's regime fence width is \(regimeFenceWidth) MADs; it must be a finite number above 0")
        }
        guard regimeChangeLevel > 0 && regimeChangeLevel < 1 else {
            throw DetectorError(
                .invalidOptions,
                "the window's regime change level is \(regimeChangeLevel); choose a fraction between 0 and 1, such "
                    + "as 0.5")
        }
    }
}
