/// Hidden-layer non-linearities. Each derivative is computed from the layer's *output* alone, so a
/// backward pass needs to keep only post-activation values.
public enum Activation: String, Codable, Sendable, Hashable, CaseIterable {
    /// max(0, a). Fast, and the default.
    case relu
    /// tanh(a).
    case tanh
    /// a for a > 0, eᵃ − 1 otherwise.
    case elu

    /// The activation of one pre-activation value (scalar reference for the fused kernels).
    @inlinable
    public func apply(_ a: Float) -> Float {
        switch self {
        case .relu: return a > 0 ? a : 0
        case .tanh: return FastMath.tanh(a)
        case .elu: return a > 0 ? a : FastMath.exp(a) - 1
        }
    }

    /// dh/da expressed through the output h = f(a) (scalar reference for the fused kernels).
    @inlinable
    public func derivative(output h: Float) -> Float {
        switch self {
        case .relu: return h > 0 ? 1 : 0
        case .tanh: return 1 - h * h
        case .elu: return h > 0 ? 1 : h + 1
        }
    }
}
