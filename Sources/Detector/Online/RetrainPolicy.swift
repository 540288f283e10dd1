/// When to retrain: after a number of scored records, after a time, on request, or any of these.
///
/// Time is whatever monotonic clock the caller reads, in seconds; this type never reads a clock.
public struct RetrainPolicy: Sendable, Equatable {
    /// Retrain after this many records have been scored since the last retrain; nil turns the trigger off.
    public let everyRecords: Int?
    /// Retrain when this many seconds have passed since the last retrain; nil turns the trigger off.
    public let everySeconds: Double?
    /// Records scored since the last retrain.
    public private(set) var recordsSinceRetrain = 0
    /// Monotonic time of the last retrain, or of the start.
    public private(set) var lastRetrainAt: Double
    /// Whether a manual retrain has been requested since the last retrain.
    public private(set) var isRequested = false

    /// A policy whose counters start at `now`. With both triggers nil only ``requestNow()`` makes a retrain due.
    ///
    /// - Throws: ``DetectorError/Code/invalidOptions`` when `everyRecords` is below 1 or `everySeconds` is not a
    ///   finite number above 0.
    public init(everyRecords: Int? = nil, everySeconds: Double? = nil, startingAt now: Double) throws(DetectorError) {
        if let everyRecords, everyRecords < 1 {
            throw DetectorError(
                .invalidOptions, "retrain every \(everyRecords) records: the count must be at least 1 (or off)")
        }
        if let everySeconds, !(everySeconds.isFinite && everySeconds > 0) {
            throw DetectorError(
                .invalidOptions,
                "retrain every \(everySeconds) seconds: the interval must be a finite number above 0 (or off)")
        }
        self.everyRecords = everyRecords
        self.everySeconds = everySeconds
        self.lastRetrainAt = now
    }

    /// The same policy with new triggers (a configuration reload); the counters and any request carry over.
    ///
    /// - Throws: as ``init(everyRecords:everySeconds:startingAt:)``.
    public func rescheduled(everyRecords: Int?, everySeconds: Double?) throws(DetectorError) -> RetrainPolicy {
        var policy = try RetrainPolicy(
            everyRecords: everyRecords, everySeconds: everySeconds, startingAt: lastRetrainAt)
        policy.recordsSinceRetrain = recordsSinceRetrain
        policy.isRequested = isRequested
        return policy
    }

    /// Counts `n` more scored records.
    public mutating func recordsScored(_ n: Int) {
        precondition(n >= 0, "RetrainPolicy: \(n) records scored")
        recordsSinceRetrain += n
    }

    /// Asks for a retrain at the next check (for instance on SIGUSR1); several requests before it count as one.
    public mutating func requestNow() {
        isRequested = true
    }

    /// Whether a retrain is due at `now`: requested, or a trigger's count or interval reached.
    public func isDue(now: Double) -> Bool {
        let next = nextDue(now: now)
        return isRequested || next.records == 0 || next.seconds == 0
    }

    /// Forgets a request without resetting the counters: requests that arrive while a retrain runs fold into it.
    public mutating func withdrawRequest() {
        isRequested = false
    }

    /// Records that a retrain happened at `now`: both counters and any request start over.
    public mutating func retrained(at now: Double) {
        recordsSinceRetrain = 0
        lastRetrainAt = now
        isRequested = false
    }

    /// For status lines: records and seconds left until each trigger fires (0 when due; nil when off).
    public func nextDue(now: Double) -> (records: Int?, seconds: Double?) {
        (
            everyRecords.map { max(0, $0 - recordsSinceRetrain) },
            everySeconds.map { max(0, lastRetrainAt + $0 - now) }
        )
    }
}
