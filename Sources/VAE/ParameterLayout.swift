/// Where each tensor of a network lives in its one flat parameter vector (and, identically, in the gradient
/// and optimizer-state vectors), following the llm.c habit of one contiguous buffer per role.
///
/// Order: for each layer in ``Architecture/layers`` its weights `W [inputs, outputs]` (row-major, so the
/// forward pass is `X · W`) then its bias `b [outputs]`; last, for ``ReconstructionLoss/gaussian``, the
/// per-feature log-variances `s [inputWidth]`.
public struct ParameterLayout: Sendable, Hashable {
    /// Offsets of one dense layer's tensors.
    public struct Dense: Sendable, Hashable {
        /// The layer's shape and role.
        public var shape: LayerShape
        /// Offset of `W [inputs, outputs]`.
        public var weights: Int
        /// Offset of `b [outputs]`.
        public var bias: Int
    }

    /// The dense layers in execution order.
    public let dense: [Dense]
    /// Offset of the per-feature log-variances, when the loss is Gaussian.
    public let logVariance: Int?
    /// Total number of parameters.
    public let count: Int
    /// Index of the latent head in ``dense``.
    public let headIndex: Int

    /// The layout for `architecture`.
    public init(_ architecture: Architecture) {
        var offset = 0
        var dense: [Dense] = []
        var head = 0
        for (index, shape) in architecture.layers.enumerated() {
            dense.append(Dense(shape: shape, weights: offset, bias: offset + shape.inputs * shape.outputs))
            offset += shape.parameterCount
            if shape.role == .latentHead { head = index }
        }
        self.dense = dense
        self.headIndex = head
        if architecture.reconstruction == .gaussian {
            logVariance = offset
            offset += architecture.inputWidth
        } else {
            logVariance = nil
        }
        count = offset
    }

    /// Ranges of the weight matrices only (weight decay applies to these, not to biases or log-variances).
    public var weightRanges: [Range<Int>] {
        dense.map { $0.weights..<($0.weights + $0.shape.inputs * $0.shape.outputs) }
    }
}
