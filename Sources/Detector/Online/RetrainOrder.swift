import Compute
import VAE

/// Why a retrain started.
public enum RetrainReason: String, Sendable {
    /// `training.every_records` (or `--retrain-every`) records were scored since the last one.
    case records
    /// `training.every_seconds` passed since the last one.
    case schedule
    /// Someone asked (SIGUSR1, `vaewatch retrain`).
    case signal
}

/// A retrain the ``OnlineDetector`` wants: the model in use, warm-started on a snapshot of the training window.
/// Whoever runs it (a thread of its own, never the scoring thread) hands the outcome back with
/// ``OnlineDetector/finished(_:)``.
public struct RetrainOrder: Sendable {
    /// The model to start from; the retrained one keeps its network and gets the next version.
    public let detector: Detector
    /// The records to learn from (the window's normal records, oldest first). `[count, width]`
    public let window: RecordBatch
    /// Why now.
    public let reason: RetrainReason

    /// The retrain: `detector` warm-started on `window` with `options`' training settings and threshold, and the
    /// network of the model in use (a retrain never changes the network), refitting the feature scaling.
    public func run(
        options: DetectorOptions, pool: ThreadPool, createdAt: Int64,
        onEpoch: (EpochReport) -> TrainingControl = { _ in .proceed }
    ) throws(DetectorError) -> DetectorTrainingResult {
        var options = options
        let network = detector.model.architecture
        options.hiddenWidths = network.hiddenWidths
        options.latentWidth = network.latentWidth
        options.activation = network.activation
        options.reconstruction = network.reconstruction
        options.beta = network.beta
        return try detector.retrained(
            on: window, options: options, pool: pool, createdAt: createdAt, refitsScaler: true, onEpoch: onEpoch)
    }
}

/// What ``OnlineDetector/dueRetrain(now:)`` decided.
public enum RetrainDue: Sendable {
    /// Start this retrain.
    case start(RetrainOrder)
    /// A retrain was due, but the window holds no normal record yet: the schedule starts over.
    case skipped(RetrainReason)
}
