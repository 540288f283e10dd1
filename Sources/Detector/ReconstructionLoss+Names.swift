import VAE

extension ReconstructionLoss {
    /// The loss's name in options and settings: `gaussian` or `squared-error`.
    public var optionName: String {
        switch self {
        case .gaussian: "gaussian"
        case .squaredError: "squared-error"
        }
    }

    /// The loss named `name` in options and settings (``optionName``); nil for any other name.
    public init?(optionName name: String) {
        guard let loss = Self.allCases.first(where: { $0.optionName == name }) else { return nil }
        self = loss
    }
}
