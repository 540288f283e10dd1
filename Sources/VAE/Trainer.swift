import Compute

/// One epoch's outcome, reported to the caller's progress callback.
public struct EpochReport: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean per-record loss (recon + β·kl, with sampled z) over the epoch's gradient steps.
    public var trainingLoss: Float
    /// Mean per-record loss on the validation rows with z = μ, when rows are held out.
    public var validationLoss: Float?
    /// Whether the monitored loss improved enough to keep these weights.
    public var improved: Bool
}

/// What the progress callback wants after an epoch.
public enum TrainingControl: Sendable {
    /// Go on.
    case proceed
    /// Stop now and return the best weights so far (for instance on shutdown).
    case stop
}

/// A trained model and how it got there.
public struct TrainingResult: Sendable {
    /// The model with the best weights seen.
    public var model: VAEModel
    /// Figures for the model file and the logs.
    public var summary: TrainingSummary
    /// Every epoch, in order.
    public var history: [EpochReport]
}

/// Minibatch Adam training, data-parallel on a ``ThreadPool``.
///
/// Each minibatch is split into `threadCount` contiguous shards; every worker runs the forward and backward
/// pass of its shard with single-threaded GEMMs into its own gradient buffer; the buffers are then summed in
/// worker order on the calling thread, clipped, and applied by Adam. All randomness (split, shuffles, ε,
/// denoising noise) comes from one generator on the calling thread, so for a given seed, data and thread
/// count the result is bit-identical.
public enum Trainer {
    /// Trains `model` (freshly initialized, or the current model for a warm start) on the rows of `data`.
    ///
    /// - Parameters:
    ///   - data: `[n, d]`, standardized, missing values imputed; every value finite.
    ///   - mask: `[n, d]`, 1 where observed; nil means all observed.
    ///   - onEpoch: called after every epoch; return ``TrainingControl/stop`` to end early.
    public static func train(
        _ model: VAEModel, data: Matrix, mask: Matrix? = nil, configuration: TrainingConfiguration,
        pool: ThreadPool, onEpoch: (EpochReport) -> TrainingControl = { _ in .proceed }
    ) throws(TrainingError) -> TrainingResult {
        try configuration.validate()
        try check(data, mask: mask, for: model.architecture)
        var run = TrainingRun(model: model, data: data, mask: mask, configuration: configuration, pool: pool)
        return try run.train(onEpoch: onEpoch)
    }

    static func check(_ data: Matrix, mask: Matrix?, for architecture: Architecture) throws(TrainingError) {
        guard data.rows > 0 else {
            throw TrainingError(.badData, "no training rows; give at least one record")
        }
        guard data.cols == architecture.inputWidth else {
            throw TrainingError(
                .badData, "data have \(data.cols) columns but the model takes \(architecture.inputWidth)")
        }
        if let mask, mask.rows != data.rows || mask.cols != data.cols {
            throw TrainingError(
                .badData, "mask is [\(mask.rows), \(mask.cols)] but data are [\(data.rows), \(data.cols)]")
        }
        if let bad = data.storage.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError(
                .badData,
                "row \(bad / data.cols) column \(bad % data.cols) is \(data.storage[bad]); "
                    + "training data must be finite (impute missing values and mark them in the mask)")
        }
    }
}
