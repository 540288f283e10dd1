import ArgumentParser
import Compute
import Detector
import VAE

/// The network, the training run and the threshold.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Widths of the encoder's hidden layers, comma separated.", valueName: "widths"))
    var hidden = "64,32"

    @Option(help: ArgumentHelp("Number of latent units.", valueName: "k"))
    var latent = 8

    @Option(help: ArgumentHelp("Non-linearity of the hidden layers: relu, tanh or elu.", valueName: "name"))
    var activation = "relu"

    @Option(
        help: ArgumentHelp(
            "How reconstruction error is measured: gaussian learns a variance per feature, so that a noisy feature "
                + "does not drown the others; squared-error is the plain ½·Σ(x − x̂)².", valueName: "name"))
    var loss = DetectorOptions().reconstruction.optionName

    @Option(help: ArgumentHelp("Weight of the KL term in the score (recon + beta·kl).", valueName: "beta"))
    var beta: Float = DetectorOptions().beta

    @Option(
        help: ArgumentHelp(
            "Quantile of the training scores that becomes the threshold: 0.995 flags about 0.5% of "
                + "records like the training data.", valueName: "q"))
    var quantile = ThresholdCalibration.defaultQuantile

    @Option(
        help: ArgumentHelp(
            "Target false-alarm rate: set the threshold by an extreme-value fit to the tail of the training scores "
                + "(peaks over threshold) so that about R of normal records are flagged, e.g. 1e-3; default: the "
                + "--quantile. While scoring, the threshold follows the tail of the scores.", valueName: "R"))
    var thresholdRate: Double?

    @Option(
        help: ArgumentHelp(
            "Most passes over the training records (early stopping may end sooner). Default: 100, or more on a "
                + "small set, enough for --min-steps gradient steps; given, exactly this many unless --min-steps is "
                + "given too.",
            valueName: "n"))
    var epochs: Int?

    @Option(
        help: ArgumentHelp(
            "Fewest gradient steps of a first training: on a small set (a few hundred records make one or two steps "
                + "a pass) more than --epochs passes run, early stopping still ending them; a retrain keeps --epochs. "
                + "0: exactly --epochs. "
                + "(default: \(TrainingConfiguration().minimumSteps), or 0 when --epochs is given)",
            valueName: "n"))
    var minSteps: Int?

    @Option(
        help: ArgumentHelp(
            "Leave out of each gradient step the records whose loss lies above the median plus k robust standard "
                + "deviations (1.4826·MAD) of the step's losses, so that anomalies among the training records stop "
                + "shaping the model (a first training only: a retrain learns from records judged normal); 0 turns it "
                + "off.",
            valueName: "k"))
    var trim: Float = DetectorOptions().training.trimmingCut

    @Option(
        help: ArgumentHelp(
            "Denoising: add Gaussian noise of this standard deviation, in standardized units (1 is a feature's own "
                + "spread), to the encoder's input at every gradient step while the clean record stays the target, so "
                + "that the model learns what normal records share rather than their every detail; applies to every "
                + "training, retrains included. 0 turns it off; at most "
                + "\(Int(TrainingConfiguration.denoisingNoiseRange.upperBound)).",
            valueName: "sigma"))
    var denoise: Float = TrainingConfiguration().denoisingNoise

    @Option(
        help: ArgumentHelp(
            "Self-cleaning rounds: after the first fit, set aside the highest-scoring --clean-fraction of the "
                + "training records and go on training on the rest, this many times, so that anomalies among the "
                + "training records stop shaping the model (3 lift the mean AUROC of 30 real sets by about 0.01, "
                + "and lets more false alarms through at a low --threshold-rate). Each round costs up to one more "
                + "training.",
            valueName: "n"))
    var cleanRounds = DetectorOptions().cleaningRounds

    @Option(help: ArgumentHelp("Fraction of the records each cleaning round sets aside.", valueName: "f"))
    var cleanFraction = DetectorOptions().cleaningFraction

    @Option(help: ArgumentHelp("Records per gradient step.", valueName: "n"))
    var batch = 256

    @Option(help: ArgumentHelp("Adam's step size.", valueName: "rate"))
    var learningRate: Float = 1e-3

    @Option(
        help: ArgumentHelp("Seed of the initial weights, the validation split and the sampling noise.", valueName: "n"))
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Threads for training and scoring. Default: every online CPU.", valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard Activation(rawValue: activation) != nil else {
            throw ValidationError("--activation must be relu, tanh or elu, got \(activation)")
        }
        guard ReconstructionLoss(optionName: loss) != nil else {
            throw ValidationError("--loss must be gaussian or squared-error, got \(loss)")
        }
        guard trim.isFinite && trim >= 0 else { throw ValidationError("--trim must be 0 (off) or more, got \(trim)") }
        guard TrainingConfiguration.denoisingNoiseRange.contains(denoise) else {
            let most = Int(TrainingConfiguration.denoisingNoiseRange.upperBound)
            throw ValidationError("--denoise must be from 0 (off) to \(most) standard deviations, got \(denoise)")
        }
        guard widths != nil else {
            throw ValidationError("--hidden must be positive widths separated by commas, such as 64,32; got \(hidden)")
        }
        do { try detectorOptions.validate() } catch { throw ValidationError(error.description) }
    }

    /// `--hidden` as numbers.
    private var widths: [Int]? {
        let parts = hidden.split(separator: ",").map { Int($0.trimmingPrefix(" ")) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        return parts.map { $0! }
    }

    /// The options as the detector takes them.
    var detectorOptions: DetectorOptions {
        var options = DetectorOptions()
        options.hiddenWidths = widths ?? options.hiddenWidths
        options.latentWidth = latent
        options.activation = Activation(rawValue: activation) ?? .relu
        options.reconstruction = ReconstructionLoss(optionName: loss) ?? options.reconstruction
        options.beta = beta
        options.thresholdQuantile = quantile
        options.thresholdRate = thresholdRate
        if let epochs {
            options.training.epochs = epochs
            options.training.minimumSteps = 0
        }
        if let minSteps { options.training.minimumSteps = minSteps }
        options.training.trimmingCut = trim
        options.training.denoisingNoise = denoise
        options.cleaningRounds = cleanRounds
        options.cleaningFraction = cleanFraction
        options.training.batchSize = batch
        options.training.learningRate = learningRate
        options.training.seed = seed
        return options
    }

    /// How the threshold is set, for a summary line: `at quantile 0.995` or `for a false-alarm rate of 0.001 (peaks
    /// over threshold)`.
    var thresholdDescription: String {
        guard let thresholdRate else { return "at quantile \(quantile)" }
        return "for a false-alarm rate of \(thresholdRate) (peaks over threshold)"
    }

    /// The thread count to use.
    var threadCount: Int { threads ?? ThreadPool.availableCores }
}
