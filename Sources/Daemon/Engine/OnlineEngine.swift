import Detector
import Glibc
import Synchronization

/// The online-detection engine of one run, shared by the threads that drive it: ``OnlineDetector`` behind one
/// lock, the ``Retrainer`` that runs what it orders, and the ``OnlineObserver`` that hears about it.
///
/// `vaewatch score` and `serve` on stdin drive it from ``StreamScorer``; `serve` on PostgreSQL from the pipelines'
/// committed batches (``DaemonContext/handle(_:worker:)``); the daemon's training service calls ``tick()`` for the
/// time and signal triggers, and its control service ``requestRetrain()``, ``useIfNewer(_:)`` and
/// ``reschedule(everyRecords:everySeconds:)``. Scoring reads ``detector`` at each batch, so a retrain or a reload
/// takes over between two batches and scoring never waits for training.
final class OnlineEngine: Sendable {
    private let state: Mutex<OnlineDetector>
    /// The training settings of the next retrain (a reload replaces them).
    private let training: Mutex<(options: DetectorOptions, threads: Int)>
    private let retrainer: Retrainer
    /// Who hears what happens; set once, before the first batch (the daemon's context is made after its engine).
    private let listener = Mutex<(any OnlineObserver)?>(nil)
    private let started = ContinuousClock.now

    /// An engine over `online`, retraining with `options` on `threads` threads; its retrains beat a heartbeat in
    /// `heartbeats`. Call ``report(to:)`` before driving it.
    init(_ online: OnlineDetector, options: DetectorOptions, threads: Int, heartbeats: Heartbeats? = nil) {
        state = Mutex(online)
        training = Mutex((options, threads))
        retrainer = Retrainer(heartbeats: heartbeats)
    }

    /// Reports what the engine does to `observer` from now on.
    func report(to observer: any OnlineObserver) {
        listener.withLock { $0 = observer }
    }

    /// The observer; ``report(to:)`` comes first.
    private var observer: any OnlineObserver {
        guard let observer = listener.withLock({ $0 }) else {
            preconditionFailure("OnlineEngine: driven before report(to:) named its observer")
        }
        return observer
    }

    /// The retrain policy's clock: seconds since the engine was made.
    var elapsed: Double { (ContinuousClock.now - started).seconds }

    /// The model to score the next batch with; nil before warm-up.
    var detector: Detector? { state.withLock { $0.detector } }

    /// Whether a retrain runs.
    var isRetraining: Bool { state.withLock { $0.isRetraining } }

    /// Reads the engine's state.
    func read<T>(_ body: (OnlineDetector) -> T) -> T { state.withLock { body($0) } }

    /// Takes a batch scored by `verdicts.modelVersion` (the input also rejected `rejected` lines) in `took`, reports
    /// it, and starts a retrain that became due.
    @discardableResult
    func scored(_ batch: RecordBatch, verdicts: Verdicts, rejected: Int = 0, took: Duration = .zero) -> OnlineStep {
        let now = elapsed
        let (step, inUse) = state.withLock { online in
            (online.scored(batch, verdicts: verdicts, now: now), online.detector!)
        }
        observer.scored(step, rejected: rejected, inUse: inUse, took: took)
        if let due = step.retrain { act(on: due) }
        return step
    }

    /// Puts the model warm-up learned from `records` in use (``OnlineDetector/learned(_:from:now:)``).
    func learned(_ result: DetectorTrainingResult, from records: WarmUpRecords, count: Int, duration: Duration) {
        let now = elapsed
        state.withLock { $0.learned(result.detector, from: records, now: now) }
        observer.learned(result, records: count, duration: duration)
    }

    /// Starts a retrain that the clock or a request made due.
    func tick() {
        let now = elapsed
        if let due = state.withLock({ $0.dueRetrain(now: now) }) { act(on: due) }
    }

    /// Asks for a retrain at the next tick; returns whether one runs now (the request then folds into it).
    @discardableResult
    func requestRetrain() -> Bool {
        state.withLock {
            $0.requestRetrain()
            return $0.isRetraining
        }
    }

    /// Forgets a retrain request not yet answered (``OnlineDetector/withdrawRetrainRequest()``).
    func withdrawRetrainRequest() { state.withLock { $0.withdrawRetrainRequest() } }

    /// Starts or stops retraining (``OnlineDetector/setTraining(_:now:)``).
    func setTraining(_ on: Bool) {
        let now = elapsed
        state.withLock { $0.setTraining(on, now: now) }
    }

    /// Puts `detector` in use.
    func use(_ detector: Detector) { state.withLock { $0.use(detector) } }

    /// Puts `detector` in use if it is newer than the one in use; returns whether it did.
    func useIfNewer(_ detector: Detector) -> Bool { state.withLock { $0.useIfNewer(detector) } }

    /// Takes runs of records other daemons scored (``OnlineDetector/scoredElsewhere(_:counted:now:)``) and starts
    /// the retrain they make due.
    func scoredElsewhere(_ runs: [(records: RecordBatch, verdicts: Verdicts)], counted: Int) {
        let now = elapsed
        if let due = state.withLock({ $0.scoredElsewhere(runs, counted: counted, now: now) }) { act(on: due) }
    }

    /// Fills the training window from recent history; returns the records it holds.
    func seedWindow(_ batch: RecordBatch, verdicts: Verdicts) -> Int {
        state.withLock { $0.seedWindow(batch, verdicts: verdicts) }
    }

    /// New retrain triggers and training settings (a reload).
    func reconfigure(
        everyRecords: Int?, everySeconds: Double?, options: DetectorOptions, threads: Int
    ) throws(DetectorError) {
        try state.withLock { (online) throws(DetectorError) in
            try online.reschedule(everyRecords: everyRecords, everySeconds: everySeconds)
        }
        training.withLock { $0 = (options, threads) }
    }

    /// Records left before the record-count trigger fires (see ``OnlineDetector/recordsUntilRetrain(now:)``).
    func recordsUntilRetrain() -> Int? {
        let now = elapsed
        return state.withLock { $0.recordsUntilRetrain(now: now) }
    }

    /// Records and seconds left until each trigger fires (0 when due; nil when off).
    func nextDue() -> (records: Int?, seconds: Double?) {
        let now = elapsed
        return state.withLock { $0.policy?.nextDue(now: now) } ?? (nil, nil)
    }

    /// Waits for the retrain in progress, if any, to finish and be taken in.
    func waitForRetrain() { retrainer.wait() }

    /// Takes a finished retrain's model in (as the observer adopts it) and reports the outcome.
    private func finished(_ outcome: RetrainOutcome) {
        let adopted = (try? outcome.result.get()).flatMap { observer.adopt($0, from: outcome.order) }
        state.withLock { $0.finished(adopted) }
        observer.retrained(outcome, adopted: adopted)
    }

    /// Starts the ordered retrain, or reports the skipped one.
    private func act(on due: RetrainDue) {
        switch due {
        case .skipped(let reason):
            observer.retrainSkipped(reason)
        case .start(let order):
            observer.retrainStarted(order)
            let (options, threads) = training.withLock { $0 }
            retrainer.start(
                order, options: options, threads: threads, createdAt: Int64(time(nil)),
                onEpoch: { [observer] in observer.retrainEpoch() }
            ) { outcome in self.finished(outcome) }
        }
    }
}
