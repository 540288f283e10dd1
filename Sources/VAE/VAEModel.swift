import Compute

/// A variational autoencoder: its architecture and one flat vector of weights laid out by
/// ``ParameterLayout``. A value type; training produces a new one, so a model being scored is never
/// mutated underneath its readers.
public struct VAEModel: Sendable, Equatable {
    /// Shape and loss.
    public let architecture: Architecture
    /// All parameters, `architecture.parameterCount` of them, in ``ParameterLayout`` order.
    public let parameters: [Float]
    /// Offsets of every tensor in ``parameters``.
    public let layout: ParameterLayout

    /// A model over existing weights (for instance from a model file).
    /// - Throws: if the architecture is invalid or the weight count does not match it.
    public init(architecture: Architecture, parameters: [Float]) throws(ArchitectureError) {
        try architecture.validate()
        guard parameters.count == architecture.parameterCount else {
            throw ArchitectureError(
                "\(parameters.count) weights given; this architecture needs \(architecture.parameterCount)")
        }
        self.architecture = architecture
        self.parameters = parameters
        self.layout = ParameterLayout(architecture)
    }

    /// A freshly initialized model: weights drawn N(0, gain / fan-in) with gain 2 before ReLU and ELU
    /// layers (He) and 1 otherwise; biases and log-variances zero.
    public init(initializing architecture: Architecture, seed: UInt64) throws(ArchitectureError) {
        try architecture.validate()
        let layout = ParameterLayout(architecture)
        var rng = SeededGenerator(seed: seed)
        var parameters = [Float](repeating: 0, count: layout.count)
        for layer in layout.dense {
            let gain: Float = layer.shape.isActivated && architecture.activation != .tanh ? 2 : 1
            let std = (gain / Float(layer.shape.inputs)).squareRoot()
            for i in 0..<(layer.shape.inputs * layer.shape.outputs) {
                parameters[layer.weights + i] = std * NormalSampler.next(&rng)
            }
        }
        try self.init(architecture: architecture, parameters: parameters)
    }

    /// A model with the same (already validated) architecture and new weights, for the trainer.
    func replacing(parameters: [Float]) -> VAEModel {
        precondition(parameters.count == self.parameters.count, "VAEModel: parameter count changed")
        return VAEModel(validated: architecture, layout: layout, parameters: parameters)
    }

    private init(validated architecture: Architecture, layout: ParameterLayout, parameters: [Float]) {
        self.architecture = architecture
        self.layout = layout
        self.parameters = parameters
    }
}
