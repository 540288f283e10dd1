import Compute
import Detector
import Synchronization

/// One retrain running on a thread and a pool of its own, so that scoring goes on meanwhile.
final class BackgroundRetrain: Sendable {
    /// The outcome, set once by the retrain thread.
    private final class Slot: Sendable {
        let value = Mutex<Result<DetectorTrainingResult, DetectorError>?>(nil)
    }

    private let outcome = Slot()
    private let thread = Mutex<BackgroundThread?>(nil)
    /// Records the retrain learns from.
    let records: Int

    /// Starts retraining `detector` on `window`, warm.
    init(detector: Detector, window: RecordBatch, options: DetectorOptions, threads: Int, createdAt: Int64) {
        records = window.count
        let slot = outcome
        let started = BackgroundThread {
            let pool = ThreadPool(threadCount: threads)
            let result = Result { () throws(DetectorError) in
                try detector.retrained(
                    on: window, options: options, pool: pool, createdAt: createdAt, refitsScaler: true)
            }
            slot.value.withLock { $0 = result }
        }
        thread.withLock { $0 = started }
    }

    /// The outcome once the retrain has finished; nil while it runs.
    func poll() -> Result<DetectorTrainingResult, DetectorError>? {
        guard let result = outcome.value.withLock({ $0 }) else { return nil }
        thread.withLock { $0?.join() }
        return result
    }

    /// Waits for the retrain to finish and returns its outcome.
    func wait() -> Result<DetectorTrainingResult, DetectorError> {
        thread.withLock { $0?.join() }
        return outcome.value.withLock { $0! }
    }
}
