/// How to train: optimizer, batching, stopping, and the regularizers the VAE supports.
public struct TrainingConfiguration: Sendable, Hashable, Codable {
    /// Upper bound on passes over the training rows (raised for a small set by ``minimumSteps``).
    public var epochs: Int = 100
    /// Gradient steps a training may always take: when `epochs` passes over the training rows make fewer steps,
    /// the bound on epochs is raised to make this many (early stopping still ends sooner). A set of a few hundred
    /// rows makes one or two steps an epoch, far too few to learn it in 100 epochs; 100,000 rows make 35,000 steps,
    /// so a large set trains as before. 0 leaves `epochs` as it is. Measured with `scripts/eval
    /// ../shared/data/suite --seeds 5` (30 real sets), mean AUROC semi-supervised / unsupervised: no floor 0.783 /
    /// 0.703, 2,000 steps 0.802 / 0.712, 5,000 steps 0.819 / 0.721 (letter 0.76 → 0.92, vowels 0.89 → 0.99, wilt
    /// 0.33 → 0.68 semi-supervised).
    public var minimumSteps: Int = 5_000
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
    /// target (a denoising autoencoder), in standardized units (1 is a feature's own spread); 0 = off. Within
    /// ``denoisingNoiseRange``.
    public var denoisingNoise: Float = 0
    /// Contamination-robust training: in each minibatch, the records whose loss lies above
    /// median + `trimmingCut` · MAD of the batch's losses (MAD scaled by 1.4826, a standard deviation for normal
    /// losses) get no gradient, so a few anomalies among the training records stop pulling the model towards
    /// them; early stopping watches the validation loss trimmed alike. 0 trains on every record. Measured on the
    /// 30-set suite with 5,000 steps at least (5 seeds, baselines on the same splits), mean AUROC / mean rank of 6
    /// semi-supervised and unsupervised: untrimmed 0.819 / 2.75 and 0.721 / 3.47, a cut of 2 0.814 / 2.83 and
    /// 0.723 / 3.08: level on clean training records, ahead when they hold anomalies.
    public var trimmingCut: Float = 2
    /// Seed for shuffling, the validation split and all sampled noise.
    public var seed: UInt64 = 0

    /// The values ``denoisingNoise`` accepts: beyond a few standard deviations the noise drowns every feature.
    public static let denoisingNoiseRange: ClosedRange<Float> = 0...5

    /// The defaults above.
    public init() {}

    /// The most epochs a training on `rows` rows (those not held out for validation) runs: ``epochs``, or
    /// more to make ``minimumSteps`` gradient steps.
    public func epochs(trainingRows rows: Int) -> Int {
        let stepsPerEpoch = max(1, (rows + batchSize - 1) / batchSize)
        return max(epochs, (minimumSteps + stepsPerEpoch - 1) / stepsPerEpoch)
    }

    /// The rows of `count` that train (the rest are held out for validation).
    public func trainingRows(of count: Int) -> Int {
        let held = Int(Float(count) * validationFraction)
        return held >= count ? count : count - held
    }

    /// Checks every field and names the first bad one.
    public func validate() throws(TrainingError) {
        func require(_ ok: Bool, _ message: String) throws(TrainingError) {
            if !ok { throw TrainingError(.invalidConfiguration, message) }
        }
        try require(epochs >= 1, "epochs is \(epochs); it must be at least 1")
        try require(
            (0...1_000_000).contains(minimumSteps), "minimum steps is \(minimumSteps); it must be in 0…1,000,000")
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
            trimmingCut.isFinite && trimmingCut >= 0, "trimming cut is \(trimmingCut); it must be ≥ 0 (0 is off)")
        try require(
            Self.denoisingNoiseRange.contains(denoisingNoise),
            "denoising noise is \(denoisingNoise); it must be in \(Self.denoisingNoiseRange.lowerBound)…"
                + "\(Self.denoisingNoiseRange.upperBound) (0 is off)")
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
