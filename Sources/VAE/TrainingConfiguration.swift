/// How to train: optimizer, batching, stopping, and the regularizers the VAE supports.
public struct TrainingConfiguration: Sendable, Hashable, Codable {
    /// Upper bound on passes over the training rows.
    public var epochs: Int = 100
    /// Rows per gradient step; split across the thread pool.
    public var batchSize: Int = 256
    /// Adam's step size η.
    public var learningRate: Float = 1e-3
    /// Decoupled weight decay λ on weight matrices (0 = off).
    public var weightDecay: Float = 0
    /// Rescale the whole gradient when its L2 norm exceeds this (nil = off).
    public var gradientClipNorm: Float? = nil
    /// Fraction of rows held out to decide early stopping (0 = none; then training loss is monitored).
    public var validationFraction: Float = 0.1
    /// Stop after this many epochs without improvement of the monitored loss.
    public var patience: Int = 10
    /// Relative improvement that counts: new < best − |best| × minimumImprovement (losses can be negative
    /// with the Gaussian reconstruction term).
    public var minimumImprovement: Float = 1e-4
    /// Draw z = μ + σ ε during training (the VAE); false trains with z = μ (with β = 0, a plain autoencoder).
    public var sampling: Bool = true
    /// Standard deviation of Gaussian noise added to the encoder's input while the clean input is the
    /// target (a denoising autoencoder); 0 = off.
    public var denoisingNoise: Float = 0
    /// Seed for shuffling, the validation split and all sampled noise.
    public var seed: UInt64 = 0

    /// The defaults above.
    public init() {}

    /// Checks every field and names the first bad one.
    public func validate() throws(TrainingError) {
        func require(_ ok: Bool, _ message: String) throws(TrainingError) {
            if !ok { throw TrainingError(.invalidConfiguration, message) }
        }
        try require(epochs >= 1, "epochs is \(epochs); it must be at least 1")
        try require(batchSize >= 1, "batch size is \(batchSize); it must be at least 1")
        try require(
            learningRate.isFinite && learningRate > 0, "learning rate is \(learningRate); it must be > 0")
        try require(weightDecay.isFinite && weightDecay >= 0, "weight decay is \(weightDecay); it must be ≥ 0")
        if let clip = gradientClipNorm {
            try require(clip.isFinite && clip > 0, "gradient clip norm is \(clip); it must be > 0")
        }
        try require(
            validationFraction >= 0 && validationFraction < 1,
            "validation fraction is \(validationFraction); it must be in [0, 1)")
        try require(patience >= 1, "patience is \(patience); it must be at least 1")
        try require(
            minimumImprovement >= 0 && minimumImprovement < 1,
            "minimum improvement is \(minimumImprovement); it must be in [0, 1)")
        try require(
            denoisingNoise.isFinite && denoisingNoise >= 0, "denoising noise is \(denoisingNoise); it must be ≥ 0")
    }
}

/// Why training could not run or did not finish.
public struct TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure.
    public enum Code: Sendable, Equatable {
        /// A configuration field is out of range.
        case invalidConfiguration
        /// The data do not fit the model (shape) or are empty.
        case badData
        /// The loss became NaN or infinite.
        case diverged
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do next.
    public var description: String

    /// Creates an error.
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
