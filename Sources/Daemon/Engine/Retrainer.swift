import Compute
import Detector
import Synchronization
import VAE

/// Runs a stream's retrains, one at a time, each on a thread of its own with the one training pool, so that scoring
/// goes on meanwhile. The pool lives as long as the retrainer (a new one only when the thread count changes, on a
/// reload); while a retrain runs, its `retrain` heartbeat beats at every epoch, so a wedged retrain stops the
/// watchdog's pings.
final class Retrainer: Sendable {
    private struct State {
        /// The training pool, kept between retrains.
        var pool: ThreadPool?
        /// The thread of the retrain in progress, or of the last one (joined by the next start or ``wait()``).
        var thread: BackgroundThread?
    }

    private let state = Mutex(State())
    private let heartbeats: Heartbeats?

    /// A retrainer whose retrains beat a heartbeat in `heartbeats` (nil: none are watched).
    init(heartbeats: Heartbeats?) {
        self.heartbeats = heartbeats
    }

    /// Starts `order` with `options` on `threads` threads. `onEpoch` is asked after every epoch whether to go on;
    /// `completion` runs on the retrain's thread with the outcome, before ``wait()`` returns. At most one retrain
    /// runs: the caller (``OnlineDetector``) never orders a second while one is out.
    func start(
        _ order: RetrainOrder, options: DetectorOptions, threads: Int, createdAt: Int64,
        onEpoch: @escaping @Sendable () -> TrainingControl,
        completion: @escaping @Sendable (RetrainOutcome) -> Void
    ) {
        let pool = state.withLock { state -> ThreadPool in
            state.thread?.join()  // The previous retrain handed over its outcome: it ends at once.
            if let pool = state.pool, pool.threadCount == threads { return pool }
            let pool = ThreadPool(threadCount: threads)
            state.pool = pool
            return pool
        }
        let heartbeat = heartbeats?.register("retrain")
        let heartbeats = self.heartbeats
        let thread = BackgroundThread {
            let started = ContinuousClock.now
            let result = Result { () throws(DetectorError) in
                try order.run(options: options, pool: pool, createdAt: createdAt) { _ in
                    heartbeat?.beat()
                    return onEpoch()
                }
            }
            if let heartbeat { heartbeats?.remove(heartbeat) }
            completion(
                RetrainOutcome(
                    order: order, result: result, startedAt: createdAt, duration: ContinuousClock.now - started))
        }
        state.withLock { $0.thread = thread }
    }

    /// Waits until the retrain in progress (if any) has finished and its completion has run.
    func wait() {
        let thread = state.withLock { state -> BackgroundThread? in
            defer { state.thread = nil }
            return state.thread
        }
        thread?.join()
    }
}

/// How a retrain ended.
struct RetrainOutcome: Sendable {
    /// What was retrained, on which records, and why.
    let order: RetrainOrder
    /// The retrained model, or why there is none.
    let result: Result<DetectorTrainingResult, DetectorError>
    /// Seconds since 1970 when it started.
    let startedAt: Int64
    /// How long it took.
    let duration: Duration
}
