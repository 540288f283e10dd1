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

/// Which rows of the data a training steps on and which it holds out for early stopping (indices into the data,
/// disjoint; the held-out rows may be none).
public struct TrainingSplit: Sendable, Equatable {
    /// Rows the gradient steps learn from; at least one.
    public var training: [Int]
    /// Rows never learned from, whose loss decides early stopping.
    public var heldOut: [Int]

    /// A split.
    public init(training: [Int], heldOut: [Int]) {
        self.training = training
        self.heldOut = heldOut
    }
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
    /// The rows of the data held out for early stopping, ascending: the network never learned from them, so their
    /// scores are what fresh records like the training rows would score.
    public var heldOutRows: [Int]
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
    ///   - conditions: `[n, c]`, every value finite; needed exactly when the network takes conditions
    ///     (``Architecture/conditionWidth``).
    ///   - split: the rows to learn from and to hold out; nil holds out a seeded random
    ///     ``TrainingConfiguration/validationFraction`` of them.
    ///   - onEpoch: called after every epoch; return ``TrainingControl/stop`` to end early.
    public static func train(
        _ model: VAEModel, data: Matrix, mask: Matrix? = nil, conditions: Matrix? = nil,
        configuration: TrainingConfiguration, split: TrainingSplit? = nil, pool: ThreadPool,
        onEpoch: (EpochReport) -> TrainingControl = { _ in .proceed }
    ) throws(TrainingError) -> TrainingResult {
        try configuration.validate()
        try check(data, mask: mask, for: model.architecture)
        try check(conditions, rows: data.rows, for: model.architecture)
        if let split {
            let rows = 0..<data.rows
            guard !split.training.isEmpty, (split.training + split.heldOut).allSatisfy(rows.contains),
                Set(split.training).isDisjoint(with: split.heldOut)
            else {
                throw TrainingError(
                    .badData, "the split names rows outside the \(data.rows) given, none to train on, or a row twice")
            }
        }
        var run = TrainingRun(
            model: model, data: data, mask: mask, conditions: conditions, configuration: configuration, split: split,
            pool: pool)
        return try run.train(onEpoch: onEpoch)
    }

    static func check(_ conditions: Matrix?, rows: Int, for architecture: Architecture) throws(TrainingError) {
        let c = architecture.conditionWidth
        guard let conditions else {
            guard c == 0 else {
                throw TrainingError(.badData, "the network takes \(c) conditions per row and none were given")
            }
            return
        }
        guard c > 0, conditions.rows == rows, conditions.cols == c else {
            throw TrainingError(
                .badData,
                "conditions are [\(conditions.rows), \(conditions.cols)] but the network takes [\(rows), \(c)]")
        }
        if let bad = conditions.storage.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError(
                .badData, "row \(bad / c) condition \(bad % c) is \(conditions.storage[bad]); conditions must be finite"
            )
        }
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
