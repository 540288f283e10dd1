import Compute
import VAE

/// Everything needed to train a detector: the network, its loss, how to train it, and how to turn scores
/// into verdicts.
public struct DetectorOptions: Sendable, Equatable {
    /// Widths of the encoder's hidden layers, outermost first (the decoder mirrors them).
    public var hiddenWidths: [Int] = [64, 32]
    /// Number of latent units.
    public var latentWidth = 8
    /// Non-linearity of the hidden layers.
    public var activation: Activation = .relu
    /// How reconstruction error is measured. Gaussian, with a variance learned per feature, so that a noisy
    /// feature does not drown out a precise one: measured with `scripts/eval --seeds 10`, the AUROC on
    /// `synthetic_shift.csv` rises from 0.90 to 0.98 in both protocols (AUPRC 0.61 → 0.91 semi-supervised), and
    /// the real sets stay where they were.
    public var reconstruction: ReconstructionLoss = .gaussian
    /// Weight of the KL term in the loss and the score. 0.5 rather than the textbook 1: measured through the CLI,
    /// mean semi-supervised AUROC on wine, breast_cancer and digits 0.886 against 0.859, and 0.97 against 0.93
    /// on seeded synthetic streams with planted anomalies (a looser KL keeps more latent units informative).
    public var beta: Float = 0.5
    /// Optimizer, batching, stopping and seed.
    public var training = TrainingConfiguration()
    /// Fraction of the training records whose score falls at or below the threshold, in (0, 1); used unless
    /// `thresholdRate` is set.
    public var thresholdQuantile = ThresholdCalibration.defaultQuantile
    /// Target false-alarm rate r in (0, 0.5): when set, the threshold is fitted by peaks over threshold to the tail
    /// of the training scores so that about r of normal records score above it, and moves with the scores as they
    /// stream (``ExtremeValueThreshold``); nil for the `thresholdQuantile` quantile.
    public var thresholdRate: Double?
    /// Features named in each verdict, at least 1.
    public var topFeatureCount = 3
    /// Self-cleaning rounds of a first training (0 to 10): after each, the highest-scoring ``cleaningFraction`` of
    /// the records still kept is set aside and training goes on, warm, on the rest (see
    /// `Detector.clean(_:featureNames:on:options:pool:createdAt:onEpoch:)` for the figures). Off by default: three
    /// rounds lift the mean AUROC of the 30-set suite, but the threshold they calibrate lets up to 3.8 times the
    /// target false-alarm rate through at `thresholdRate` 1e-3 on fresh normal records (the records set aside were
    /// learned first, and score lower than fresh ones would). A retrain does not clean: its window holds records
    /// already judged normal.
    public var cleaningRounds = 0
    /// Fraction of the kept records each cleaning round sets aside, in (0, 0.5).
    public var cleaningFraction = 0.1

    /// The most epochs a first training on `records` records runs: the first fit and every cleaning round (each may
    /// stop early; ``TrainingConfiguration/epochs(trainingRows:)`` for one).
    public func firstTrainingEpochs(records: Int) -> Int {
        training.epochs(trainingRows: training.trainingRows(of: records)) * (1 + cleaningRounds)
    }

    /// The defaults above.
    public init() {}

    /// The network these options describe for `inputWidth` features and `conditionWidth` conditioning inputs.
    public func architecture(inputWidth: Int, conditionWidth: Int = 0) -> Architecture {
        Architecture(
            inputWidth: inputWidth, hiddenWidths: hiddenWidths, latentWidth: latentWidth, activation: activation,
            reconstruction: reconstruction, beta: beta, conditionWidth: conditionWidth)
    }

    /// Checks every option and names the first bad one. The network is checked with a single input feature;
    /// training checks it again for the real width.
    public func validate() throws(DetectorError) {
        guard thresholdQuantile > 0 && thresholdQuantile < 1 else {
            throw DetectorError(
                .invalidOptions,
                "the threshold quantile is \(thresholdQuantile); choose a value between 0 and 1, such as 0.995")
        }
        if let rate = thresholdRate, !(rate > 0 && rate < 0.5) {
            throw DetectorError(
                .invalidOptions,
                "the threshold rate is \(rate); choose a target false-alarm rate between 0 and 0.5, such as 0.001")
        }
        guard (0...10).contains(cleaningRounds) else {
            throw DetectorError(
                .invalidOptions, "the cleaning rounds are \(cleaningRounds); choose 0 (no cleaning) to 10")
        }
        guard cleaningFraction > 0 && cleaningFraction < 0.5 else {
            throw DetectorError(
                .invalidOptions,
                "the cleaning fraction is \(cleaningFraction); choose a fraction between 0 and 0.5, such as 0.1")
        }
        guard topFeatureCount >= 1 else {
            throw DetectorError(
                .invalidOptions, "the top feature count is \(topFeatureCount); it must be at least 1")
        }
        do {
            try training.validate()
        } catch {
            throw DetectorError(.invalidOptions, "invalid training options: \(error.description)")
        }
        try validate(architecture(inputWidth: 1))
    }

    /// Checks `architecture`, reporting a fault as an invalid option.
    func validate(_ architecture: Architecture) throws(DetectorError) {
        do {
            try architecture.validate()
        } catch {
            throw DetectorError(.invalidOptions, "invalid network options: \(error.description)")
        }
    }
}
