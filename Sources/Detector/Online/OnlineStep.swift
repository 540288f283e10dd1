/// What ``OnlineDetector/scored(_:verdicts:now:)`` did with a batch, and what the caller is to do next.
public struct OnlineStep: Sendable {
    /// Records in the batch.
    public var records = 0
    /// Records flagged.
    public var anomalies = 0
    /// Records that were new: not among those the model in use learned from at warm-up (``WarmUpRecords``). Only
    /// these count toward the retrain schedule and move the threshold.
    public var newRecords = 0
    /// The threshold now in use, when the batch moved it (a peaks-over-threshold model scored by the version in use).
    public var thresholdMoved: Float?
    /// A retrain that became due with this batch, or nil.
    public var retrain: RetrainDue?

    /// Nothing happened.
    public init() {}
}
