import VAE

/// Online detection over a stream of scored batches: the model in use, the training window, the retrain schedule,
/// and which records the model learned from at warm-up. It does no I/O, starts no thread and reads no clock (time
/// is the caller's monotonic seconds): a caller scores a batch with ``detector``, hands the verdicts to
/// ``scored(_:verdicts:now:)`` and does what the returned ``OnlineStep`` says.
///
/// `vaewatch score`, `serve` on stdin and `serve` on PostgreSQL all drive this one type, so that they agree on
/// what a batch does:
/// - a peaks-over-threshold threshold moves by the scores of the new records of a batch that the model in use
///   scored (``Detector/updatingThreshold(with:)``); a batch scored by an older version (a retrain or a reload came
///   in between) moves nothing, since the new model's tail was fitted on its own training scores;
/// - every scored record is offered to the training window (``TrainingWindow/offer(_:verdicts:)``);
/// - only new records count toward the retrain schedule: those warm-up learned from (``WarmUpRecords``) are
///   scored like any other but neither count nor move the threshold a second time;
/// - when the schedule (records, time, or a request) says so and no retrain is out, a ``RetrainOrder`` goes out;
///   its outcome comes back through ``finished(_:)``, and requests made meanwhile fold into it.
public struct OnlineDetector: Sendable {
    /// The model in use; nil until warm-up (or a load) gives one.
    public private(set) var detector: Detector?
    /// When to retrain; nil when this stream never retrains (then no window is kept).
    public private(set) var policy: RetrainPolicy?
    /// Most records the training window holds.
    public let windowCapacity: Int
    /// Recent normal records for the next retrain; nil until the first model fixes the width, or without a policy.
    public private(set) var window: TrainingWindow?
    /// Whether a ``RetrainOrder`` is out and its outcome not back yet.
    public private(set) var isRetraining = false
    /// Retrained models taken in use so far.
    public private(set) var retrainsTaken = 0
    /// Whether this stream retrains: false for a follower among several daemons on one source, which takes the
    /// leader's models instead (requests wait until it leads).
    public private(set) var trains = true
    /// The records the first model learned from that are still to be scored.
    private var warmUp = WarmUpRecords()

    /// An engine scoring with `detector` (nil: warm-up comes first), retraining as `policy` says (nil: never) on a
    /// window of at most `windowCapacity` records.
    public init(detector: Detector?, policy: RetrainPolicy?, windowCapacity: Int) {
        self.policy = policy
        self.windowCapacity = windowCapacity
        if let detector { use(detector) }
    }

    /// Records learned from at warm-up that are still to be scored.
    public var warmUpPending: Int { warmUp.pending }

    /// Puts `detector` in use (a load, a reload, the registry); the first model starts the training window.
    public mutating func use(_ detector: Detector) {
        self.detector = detector
        if window == nil, policy != nil {
            window = TrainingWindow(capacity: windowCapacity, width: detector.inputWidth)
        }
    }

    /// Puts `detector` in use only if it is newer than the one in use (a reload must not go back in time); returns
    /// whether it did.
    public mutating func useIfNewer(_ detector: Detector) -> Bool {
        guard (self.detector?.version ?? 0) < detector.version else { return false }
        use(detector)
        return true
    }

    /// Puts the model warm-up learned in use: the retrain schedule starts at `now`, and the records it learned
    /// from (`records`) neither count nor move the threshold when they are scored.
    public mutating func learned(_ detector: Detector, from records: WarmUpRecords, now: Double) {
        use(detector)
        warmUp = records
        policy?.retrained(at: now)
    }

    /// Takes a batch scored by `verdicts.modelVersion` and returns what it did: counts, the moved threshold, and a
    /// retrain that is now due.
    public mutating func scored(_ batch: RecordBatch, verdicts: Verdicts, now: Double) -> OnlineStep {
        precondition(
            batch.count == verdicts.count, "OnlineDetector: \(batch.count) records, \(verdicts.count) verdicts")
        var step = OnlineStep()
        step.records = verdicts.count
        step.anomalies = verdicts.isAnomaly.count { $0 }
        // Nothing pending from warm-up (the usual case): every record is new, and no per-record bookkeeping.
        let isNew = warmUp.pending > 0 ? warmUp.newRecords(among: batch.keys) : nil
        step.newRecords = isNew.map { $0.count { $0 } } ?? verdicts.count
        if let inUse = detector, inUse.version == verdicts.modelVersion, inUse.header.thresholdTail != nil,
            step.newRecords > 0
        {
            let newScores = isNew.map { zip(verdicts.score, $0).compactMap { score, new in new ? score : nil } }
            let moved = inUse.updatingThreshold(with: newScores ?? verdicts.score)
            detector = moved
            step.thresholdMoved = moved.threshold
        }
        window?.offer(batch, verdicts: verdicts)
        policy?.recordsScored(step.newRecords)
        step.retrain = dueRetrain(now: now)
        return step
    }

    /// Takes records other daemons on the same source scored (the trainer among several daemons), in runs judged by
    /// the verdicts those daemons wrote: each run's records are offered to the training window, and `counted`
    /// records count toward the retrain schedule (a read may offer fewer records than it counts). The threshold in
    /// use does not move: another model may have scored them. Returns the retrain now due, if one is.
    public mutating func scoredElsewhere(
        _ runs: [(records: RecordBatch, verdicts: Verdicts)], counted: Int, now: Double
    ) -> RetrainDue? {
        for run in runs {
            precondition(
                run.records.count == run.verdicts.count,
                "OnlineDetector: \(run.records.count) records, \(run.verdicts.count) verdicts")
            window?.offer(run.records, verdicts: run.verdicts)
        }
        policy?.recordsScored(counted)
        return dueRetrain(now: now)
    }

    /// Fills the training window from `batch`, judged by `verdicts` (recent history at start), without counting
    /// anything; returns the records the window now holds.
    public mutating func seedWindow(_ batch: RecordBatch, verdicts: Verdicts) -> Int {
        window?.offer(batch, verdicts: verdicts)
        return window?.count ?? 0
    }

    /// Starts or stops retraining (a daemon taking or losing the lead); the schedule starts over when it starts,
    /// keeping a request made meanwhile.
    public mutating func setTraining(_ on: Bool, now: Double) {
        if on, !trains, let requested = policy?.isRequested {
            policy?.retrained(at: now)
            if requested { policy?.requestNow() }
        }
        trains = on
    }

    /// Asks for a retrain at the next check (SIGUSR1); several requests before it count as one, and one made while
    /// a retrain runs folds into it.
    public mutating func requestRetrain() {
        policy?.requestNow()
    }

    /// Forgets a request not yet answered: a follower's, once the leader's newer model is in use.
    public mutating func withdrawRetrainRequest() {
        policy?.withdrawRequest()
    }

    /// The retrain due at `now`, if one is and none is out: the schedule starts over at `now`, and the order is
    /// out until ``finished(_:)``. With an empty window the retrain is skipped (the schedule starts over too).
    public mutating func dueRetrain(now: Double) -> RetrainDue? {
        guard trains, !isRetraining, let detector, var policy, policy.isDue(now: now) else { return nil }
        let reason: RetrainReason =
            policy.isRequested ? .signal : policy.nextDue(now: now).records == 0 ? .records : .schedule
        policy.retrained(at: now)
        self.policy = policy
        guard let window, window.count > 0 else { return .skipped(reason) }
        isRetraining = true
        return .start(RetrainOrder(detector: detector, window: window.snapshot(), reason: reason))
    }

    /// Takes back the outcome of the order that is out: a retrained model goes in use; a failure (nil) leaves the
    /// model in use. Requests made while it ran are forgotten: the retrain that just ended answered them.
    public mutating func finished(_ retrained: Detector?) {
        precondition(isRetraining, "OnlineDetector: a retrain finished that was never ordered")
        isRetraining = false
        policy?.withdrawRequest()
        if let retrained {
            use(retrained)
            retrainsTaken += 1
        }
    }

    /// New retrain triggers (a configuration reload); the counters and any request carry over.
    ///
    /// - Throws: ``DetectorError/Code/invalidOptions`` for a trigger ``RetrainPolicy`` refuses.
    public mutating func reschedule(everyRecords: Int?, everySeconds: Double?) throws(DetectorError) {
        policy = try policy?.rescheduled(everyRecords: everyRecords, everySeconds: everySeconds)
    }

    /// Records left before the record-count trigger fires (0 when due), or nil when it is off or a retrain is out.
    /// A caller reading a file cuts its batch there, so that the retrain it starts comes where it would on a
    /// trickling stream.
    public func recordsUntilRetrain(now: Double) -> Int? {
        guard !isRetraining, detector != nil else { return nil }
        return policy?.nextDue(now: now).records
    }
}
