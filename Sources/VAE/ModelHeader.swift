import FoundationEssentials

/// The metadata of a model file: what the weights mean and where they came from.
///
/// Every field is plain data so that two trainings with the same seed and inputs produce the same bytes;
/// `createdAt` is supplied by the caller, never read from a clock here.
public struct ModelHeader: Codable, Sendable, Equatable {
    /// Names of the input features, in column order.
    public var featureNames: [String]
    /// Network shape and loss; fixes the number and layout of the weights.
    public var architecture: Architecture
    /// Standardization fitted on the training data, if the caller standardizes inputs.
    public var scaler: ScalerStatistics?
    /// Score above which a record is an anomaly, if calibrated.
    public var threshold: Float?
    /// What the training run that produced the weights reported.
    public var training: TrainingSummary?
    /// Seed of the training run.
    public var seed: UInt64
    /// When the model was created, in whole seconds since 1970-01-01T00:00:00Z.
    public var createdAt: Int64
    /// Position of the model in its lineage: 1 for a first training, one more for each retrain after it.
    public var version: Int

    /// Creates a header.
    public init(
        featureNames: [String],
        architecture: Architecture,
        scaler: ScalerStatistics? = nil,
        threshold: Float? = nil,
        training: TrainingSummary? = nil,
        seed: UInt64,
        createdAt: Int64,
        version: Int = 1
    ) {
        self.featureNames = featureNames
        self.architecture = architecture
        self.scaler = scaler
        self.threshold = threshold
        self.training = training
        self.seed = seed
        self.createdAt = createdAt
        self.version = version
    }
}

/// Per-feature location and scale used to standardize inputs: `(x − mean) / scale`.
public struct ScalerStatistics: Codable, Sendable, Equatable {
    /// Per-feature mean of the training data.
    public var mean: [Float]
    /// Per-feature scale (standard deviation, floored away from zero) of the training data.
    public var scale: [Float]

    /// Creates scaler statistics; both arrays have one entry per feature.
    public init(mean: [Float], scale: [Float]) {
        self.mean = mean
        self.scale = scale
    }
}

/// What a training run reported; no wall-clock values, so files stay reproducible.
public struct TrainingSummary: Codable, Sendable, Equatable {
    /// Rows used for gradient steps.
    public var trainingRows: Int
    /// Rows held out for early stopping.
    public var validationRows: Int
    /// Epochs run.
    public var epochs: Int
    /// Epoch (1-based) whose weights were kept.
    public var bestEpoch: Int
    /// Mean per-record loss (recon + β·kl) on the training rows in the kept epoch.
    public var trainingLoss: Float
    /// Mean per-record loss on the validation rows for the kept weights, if any were held out.
    public var validationLoss: Float?
    /// Latent units whose mean KL over the training rows exceeds 0.01 nats.
    public var activeLatentUnits: Int
    /// Whether training stopped before the epoch limit because validation loss stopped improving.
    public var stoppedEarly: Bool

    /// Creates a summary.
    public init(
        trainingRows: Int, validationRows: Int, epochs: Int, bestEpoch: Int, trainingLoss: Float,
        validationLoss: Float?, activeLatentUnits: Int, stoppedEarly: Bool
    ) {
        self.trainingRows = trainingRows
        self.validationRows = validationRows
        self.epochs = epochs
        self.bestEpoch = bestEpoch
        self.trainingLoss = trainingLoss
        self.validationLoss = validationLoss
        self.activeLatentUnits = activeLatentUnits
        self.stoppedEarly = stoppedEarly
    }
}
