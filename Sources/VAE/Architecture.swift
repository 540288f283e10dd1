import Compute

/// The shape of a variational autoencoder and the loss it was trained with: everything needed to
/// rebuild the network from a flat weight vector and to score records with it.
///
/// The encoder maps `inputWidth → hiddenWidths… → (μ, log σ²)` of width `latentWidth` each; the decoder
/// mirrors it, `latentWidth → hiddenWidths.reversed()… → inputWidth`. Hidden layers use `activation`;
/// the latent head and the output layer are linear.
///
/// With `conditionWidth` c > 0 the network is a conditional VAE: c conditioning inputs (a record's time of day and
/// day of week, for one) join the features at the encoder's input, `[x | c] → … → (μ, log σ²)`, and the latent
/// code at the decoder's, `[z | c] → … → x̂`. They are given, never reconstructed: the reconstruction and its error
/// are over the d features alone, so the model learns p(x | c), what is normal *when*.
public struct Architecture: Codable, Sendable, Hashable {
    /// Number of input features, d: what the network reconstructs.
    public var inputWidth: Int
    /// Number of conditioning inputs, c, fed to the encoder beside the features and to the decoder beside the
    /// latent code; 0 for a plain VAE (every model file written before they existed).
    public var conditionWidth: Int
    /// Widths of the encoder's hidden layers, outermost first (the decoder uses them reversed).
    public var hiddenWidths: [Int]
    /// Number of latent units, k.
    public var latentWidth: Int
    /// Non-linearity of every hidden layer.
    public var activation: Activation
    /// How the reconstruction term of the loss and of the score is computed.
    public var reconstruction: ReconstructionLoss
    /// Weight of the KL term: `score = recon + beta · kl`. `beta = 0` with sampling off is a plain autoencoder.
    public var beta: Float

    /// Creates an architecture; call ``validate()`` before building a network from it.
    public init(
        inputWidth: Int,
        hiddenWidths: [Int] = [64, 32],
        latentWidth: Int = 8,
        activation: Activation = .relu,
        reconstruction: ReconstructionLoss = .squaredError,
        beta: Float = 1,
        conditionWidth: Int = 0
    ) {
        self.inputWidth = inputWidth
        self.conditionWidth = conditionWidth
        self.hiddenWidths = hiddenWidths
        self.latentWidth = latentWidth
        self.activation = activation
        self.reconstruction = reconstruction
        self.beta = beta
    }

    /// Largest width accepted for any layer; far above any sensible model, it keeps size arithmetic
    /// on a crafted model file from overflowing.
    public static let maximumWidth = 1 << 16
    /// Largest number of hidden layers accepted.
    public static let maximumDepth = 16

    /// Checks every width and the loss weight, and throws a message that names the bad field.
    public func validate() throws(ArchitectureError) {
        func check(_ value: Int, _ field: String) throws(ArchitectureError) {
            guard value >= 1, value <= Self.maximumWidth else {
                throw ArchitectureError(
                    "\(field) is \(value); it must be between 1 and \(Self.maximumWidth)")
            }
        }
        try check(inputWidth, "input width")
        try check(latentWidth, "latent width")
        guard conditionWidth >= 0, conditionWidth <= Self.maximumWidth else {
            throw ArchitectureError(
                "condition width is \(conditionWidth); it must be between 0 and \(Self.maximumWidth)")
        }
        guard hiddenWidths.count <= Self.maximumDepth else {
            throw ArchitectureError(
                "\(hiddenWidths.count) hidden layers; at most \(Self.maximumDepth) are supported")
        }
        for (index, width) in hiddenWidths.enumerated() {
            try check(width, "hidden layer \(index + 1) width")
        }
        guard parameterCount <= ModelFileFormat.maximumWeightCount else {
            throw ArchitectureError(
                "\(parameterCount) parameters; at most \(ModelFileFormat.maximumWeightCount) are supported, "
                    + "so use narrower or fewer layers")
        }
        guard beta.isFinite, beta >= 0 else {
            throw ArchitectureError("beta is \(beta); it must be a finite number ≥ 0")
        }
    }

    /// The dense layers in execution order: encoder hidden layers, the latent head (output width 2k:
    /// μ then log σ²), decoder hidden layers, and the output layer. The encoder's first layer takes d + c inputs
    /// (the features, then the conditions), the decoder's first k + c (the latent code, then the conditions).
    public var layers: [LayerShape] {
        var shapes: [LayerShape] = []
        var width = inputWidth + conditionWidth
        for hidden in hiddenWidths {
            shapes.append(LayerShape(inputs: width, outputs: hidden, role: .encoderHidden))
            width = hidden
        }
        shapes.append(LayerShape(inputs: width, outputs: 2 * latentWidth, role: .latentHead))
        width = latentWidth + conditionWidth
        for hidden in hiddenWidths.reversed() {
            shapes.append(LayerShape(inputs: width, outputs: hidden, role: .decoderHidden))
            width = hidden
        }
        shapes.append(LayerShape(inputs: width, outputs: inputWidth, role: .output))
        return shapes
    }

    /// Number of trainable parameters: every layer's `inputs × outputs` weights and `outputs` biases, in
    /// ``layers`` order, followed by `inputWidth` per-feature log-variances for ``ReconstructionLoss/gaussian``.
    public var parameterCount: Int {
        let dense = layers.reduce(0) { $0 + $1.parameterCount }
        return dense + (reconstruction == .gaussian ? inputWidth : 0)
    }
}

extension Architecture {
    private enum CodingKeys: String, CodingKey {
        case inputWidth, conditionWidth, hiddenWidths, latentWidth, activation, reconstruction, beta
    }

    /// Decodes an architecture; a header without `conditionWidth` (every file written before it existed) has none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputWidth = try container.decode(Int.self, forKey: .inputWidth)
        conditionWidth = try container.decodeIfPresent(Int.self, forKey: .conditionWidth) ?? 0
        hiddenWidths = try container.decode([Int].self, forKey: .hiddenWidths)
        latentWidth = try container.decode(Int.self, forKey: .latentWidth)
        activation = try container.decode(Activation.self, forKey: .activation)
        reconstruction = try container.decode(ReconstructionLoss.self, forKey: .reconstruction)
        beta = try container.decode(Float.self, forKey: .beta)
    }

    /// Encodes the architecture; `conditionWidth` only when there are conditions, so that a model without them has
    /// the bytes it had before they existed.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inputWidth, forKey: .inputWidth)
        if conditionWidth != 0 { try container.encode(conditionWidth, forKey: .conditionWidth) }
        try container.encode(hiddenWidths, forKey: .hiddenWidths)
        try container.encode(latentWidth, forKey: .latentWidth)
        try container.encode(activation, forKey: .activation)
        try container.encode(reconstruction, forKey: .reconstruction)
        try container.encode(beta, forKey: .beta)
    }
}

/// One dense layer `y = x · W + b`, with `W` stored row-major as `[inputs, outputs]`.
public struct LayerShape: Sendable, Hashable {
    /// Where a layer sits in the network.
    public enum Role: Sendable, Hashable {
        /// A hidden layer of the encoder (activation applied).
        case encoderHidden
        /// The linear layer that produces `[μ | log σ²]`.
        case latentHead
        /// A hidden layer of the decoder (activation applied).
        case decoderHidden
        /// The linear layer that produces the reconstruction x̂.
        case output
    }

    /// Width of the layer's input.
    public var inputs: Int
    /// Width of the layer's output.
    public var outputs: Int
    /// Where the layer sits.
    public var role: Role

    /// Weights plus biases.
    public var parameterCount: Int { inputs * outputs + outputs }
    /// Whether the hidden-layer activation follows the affine map.
    public var isActivated: Bool { role == .encoderHidden || role == .decoderHidden }
}

/// How reconstruction error is measured over the observed features of a record.
public enum ReconstructionLoss: String, Codable, Sendable, Hashable, CaseIterable {
    /// ½ Σⱼ (xⱼ − x̂ⱼ)², summed (not averaged) over features.
    case squaredError
    /// Gaussian negative log-likelihood with a learned per-feature log-variance sⱼ:
    /// Σⱼ ½ [(xⱼ − x̂ⱼ)² e^(−sⱼ) + sⱼ + log 2π] in training. The score's `recon` keeps the data term
    /// ½ Σⱼ (xⱼ − x̂ⱼ)² e^(−sⱼ), each feature's error in units of its learned variance: the rest is the same
    /// for every fully observed record, and leaving it out keeps `recon` ≥ 0.
    case gaussian
}

/// An architecture that cannot be built, with the field at fault.
public struct ArchitectureError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong, in words.
    public var description: String
    /// Creates the error.
    public init(_ description: String) { self.description = description }
}
