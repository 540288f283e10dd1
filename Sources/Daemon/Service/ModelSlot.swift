import Detector
import Synchronization
import VAE

/// The model in use. Scoring reads it at every batch; a retrain or a reload replaces it with one assignment under
/// a lock, so scoring never waits for training and never sees half a model.
public final class ModelSlot: Sendable {
    private let current = Mutex<Detector?>(nil)

    /// An empty slot (warm-up has not produced a model yet).
    public init() {}

    /// The model in use, or nil before the first one.
    public var detector: Detector? { current.withLock { $0 } }

    /// Puts `detector` in use.
    public func replace(with detector: Detector) { current.withLock { $0 = detector } }

    /// Moves the extreme-value threshold of the model in use by `scores`, the scores of a batch just committed,
    /// which were compared with that model's threshold (``Detector/updatingThreshold(with:)``).
    ///
    /// Workers commit concurrently, so each move applies to the model in the slot at that moment, under the lock:
    /// no batch's move is lost to another's. A batch scored by another version (a retrain or a reload came in
    /// between) moves nothing, since the new model's tail was fitted on its own training scores. A quantile
    /// threshold never moves.
    ///
    /// - Returns: the new threshold when it moved; nil when nothing moved.
    @discardableResult
    public func moveThreshold(with scores: [Float], scoredBy version: Int) -> Float? {
        current.withLock { detector -> Float? in
            guard let inUse = detector, inUse.version == version, inUse.header.thresholdTail != nil else {
                return nil
            }
            let moved = inUse.updatingThreshold(with: scores)
            detector = moved
            return moved.threshold
        }
    }

    /// Puts `detector` in use only if it is newer than the one in use (a reload must not go back in time);
    /// returns whether it did.
    public func replaceIfNewer(with detector: Detector) -> Bool {
        current.withLock {
            guard ($0?.version ?? 0) < detector.version else { return false }
            $0 = detector
            return true
        }
    }
}
