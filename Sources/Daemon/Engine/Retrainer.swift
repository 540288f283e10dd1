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
        /// The threads of the retrain in progress and of earlier ones not joined yet, each with whether its body
        /// has returned. A retrain's model is in use before its thread ends (the daemon then checkpoints and
        /// stores it), so the next retrain may start meanwhile: it joins only threads that have ended.
        var threads: [(thread: BackgroundThread, ended: Ended)] = []
    }

    private let state = Mutex(State())
    private let heartbeats: Heartbeats?

    /// A retrainer whose retrains beat a heartbeat in `heartbeats` (nil: none are watched).
    init(heartbeats: Heartbeats?) {
        self.heartbeats = heartbeats
    }

    /// Starts `order` with `options` on `threads` threads. `onEpoch` is asked after every epoch whether to go on;
    /// `completion` runs on the retrain's thread with the outcome, before ``wait()`` returns. At most one retrain
    /// trains at a time: the caller (``OnlineDetector``) never orders a second while one is out, and takes the
    /// outcome back in `completion` before the pool is needed again. Never blocks.
    func start(
        _ order: RetrainOrder, options: DetectorOptions, threads: Int, createdAt: Int64,
        onEpoch: @escaping @Sendable () -> TrainingControl,
        completion: @escaping @Sendable (RetrainOutcome) -> Void
    ) {
        let pool = state.withLock { state -> ThreadPool in
            if let pool = state.pool, pool.threadCount == threads { return pool }
            let pool = ThreadPool(threadCount: threads)
            state.pool = pool
            return pool
        }
        let heartbeat = heartbeats?.register("retrain")
        let heartbeats = self.heartbeats
        let ended = Ended()
        let thread = BackgroundThread {
            defer { ended.flag.store(true, ordering: .releasing) }
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
        let done = state.withLock { state -> [BackgroundThread] in
            let done = state.threads.filter { $0.ended.flag.load(ordering: .acquiring) }.map(\.thread)
            state.threads.removeAll { $0.ended.flag.load(ordering: .acquiring) }
            state.threads.append((thread, ended))
            return done
        }
        for thread in done { thread.join() }  // They have returned: joining does not wait.
    }

    /// Waits until every retrain started has finished and its completion has run.
    func wait() {
        let threads = state.withLock { state -> [BackgroundThread] in
            defer { state.threads = [] }
            return state.threads.map(\.thread)
        }
        for thread in threads { thread.join() }
    }

    /// Whether a retrain thread's body has returned.
    private final class Ended: Sendable {
        let flag = Atomic<Bool>(false)
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
