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
    /// How `threshold` goes on moving with the scores when it was set by an extreme-value fit (peaks over
    /// threshold) for a target false-alarm rate; nil when it is a quantile of the training scores, as in files
    /// written before this field existed.
    public var thresholdTail: ThresholdTail?
    /// What the training run that produced the weights reported.
    public var training: TrainingSummary?
    /// Seed of the training run.
    public var seed: UInt64
    /// When the model was created, in whole seconds since 1970-01-01T00:00:00Z.
    public var createdAt: Int64
    /// Position of the model in its lineage: 1 for a first training, one more for each retrain after it.
    public var version: Int
    /// The input column whose time of day and day of week are the network's conditioning inputs
    /// (``Architecture/conditionWidth``; the `Detector` module turns a time into them); nil for a model without
    /// them, as in files written before this field existed. Set exactly when the network takes conditions.
    public var timeColumn: String?

    /// Creates a header.
    public init(
        featureNames: [String],
        architecture: Architecture,
        scaler: ScalerStatistics? = nil,
        threshold: Float? = nil,
        training: TrainingSummary? = nil,
        seed: UInt64,
        createdAt: Int64,
        version: Int = 1,
        thresholdTail: ThresholdTail? = nil,
        timeColumn: String? = nil
    ) {
        self.featureNames = featureNames
        self.architecture = architecture
        self.scaler = scaler
        self.threshold = threshold
        self.training = training
        self.seed = seed
        self.createdAt = createdAt
        self.version = version
        self.thresholdTail = thresholdTail
        self.timeColumn = timeColumn
    }
}

/// The state of a threshold set by peaks over threshold: the target false-alarm rate, the scores above an initial
/// threshold (the peaks) with the records they span, and the generalized Pareto fit to their excesses. Plain data;
/// the `Detector` module fits and updates it.
public struct ThresholdTail: Codable, Sendable, Equatable {
    /// Target false-alarm rate r: the fraction of normal records expected above the threshold, in (0, 0.5).
    public var rate: Double
    /// The initial threshold t (a high quantile of the training scores): scores above it are peaks.
    public var peakThreshold: Float
    /// Shape γ of the generalized Pareto distribution fitted to the excesses (peak − t).
    public var shape: Double
    /// Scale σ > 0 of that distribution.
    public var scale: Double
    /// The most recent peaks, oldest first, at most `capacity` of them. `[N_t]`
    public var peaks: [Float]
    /// Per peak, the records counted from the one after the previous peak up to this peak, both included: the
    /// records the peaks span are `gaps.sum + recordsSinceLastPeak`. `[N_t]`
    public var gaps: [Int]
    /// Records counted since the most recent peak.
    public var recordsSinceLastPeak: Int
    /// Of the records the peaks span, those counted while streaming (compared with the threshold) rather than at
    /// calibration: the scores above the threshold among them were not kept, so the fit takes r of them as lying
    /// above it.
    public var scoredRecords: Int
    /// Peaks added since the distribution was last fitted.
    public var peaksSinceFit: Int
    /// Most peaks kept; the oldest go first, and the records before them with them.
    public var capacity: Int

    /// Creates a tail state; `peaks` and `gaps` have one entry per peak.
    public init(
        rate: Double, peakThreshold: Float, shape: Double, scale: Double, peaks: [Float], gaps: [Int],
        recordsSinceLastPeak: Int, scoredRecords: Int, peaksSinceFit: Int, capacity: Int
    ) {
        self.rate = rate
        self.peakThreshold = peakThreshold
        self.shape = shape
        self.scale = scale
        self.peaks = peaks
        self.gaps = gaps
        self.recordsSinceLastPeak = recordsSinceLastPeak
        self.scoredRecords = scoredRecords
        self.peaksSinceFit = peaksSinceFit
        self.capacity = capacity
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
    /// Standard deviation of the noise added to the encoder's input (``TrainingConfiguration/denoisingNoise``);
    /// nil when there was none, as in files written before this field existed (which never denoised), so that a
    /// file trained without noise has the same bytes as before.
    public var denoisingNoise: Float?

    /// Creates a summary.
    public init(
        trainingRows: Int, validationRows: Int, epochs: Int, bestEpoch: Int, trainingLoss: Float,
        validationLoss: Float?, activeLatentUnits: Int, stoppedEarly: Bool, denoisingNoise: Float? = nil
    ) {
        self.trainingRows = trainingRows
        self.validationRows = validationRows
        self.epochs = epochs
        self.bestEpoch = bestEpoch
        self.trainingLoss = trainingLoss
        self.validationLoss = validationLoss
        self.activeLatentUnits = activeLatentUnits
        self.stoppedEarly = stoppedEarly
        self.denoisingNoise = denoisingNoise
    }
}
