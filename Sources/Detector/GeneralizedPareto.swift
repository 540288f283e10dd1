#if canImport(Glibc)
    import Glibc
#endif

/// A generalized Pareto distribution (GPD) of excesses y ≥ 0 over a threshold: the limit law of what lies above a
/// high threshold for almost any continuous distribution (Pickands–Balkema–de Haan), and so the model of a score
/// tail in peaks over threshold.
///
/// P(Y > y) = (1 + γ·y/σ)^(−1/γ) for γ ≠ 0 (on 1 + γ·y/σ > 0), and exp(−y/σ) for γ = 0. γ > 0 is a heavy,
/// polynomial tail; γ = 0 an exponential one; γ < 0 a tail with a finite end at −σ/γ.
public struct GeneralizedPareto: Sendable, Equatable {
    /// Shape γ.
    public var shape: Double
    /// Scale σ > 0.
    public var scale: Double

    /// Below this |γ| the exponential formulas are used: the general ones lose every digit to cancellation.
    static let exponentialShape = 1e-9

    /// A distribution of shape `shape` and scale `scale` (> 0).
    public init(shape: Double, scale: Double) {
        self.shape = shape
        self.scale = scale
    }

    /// P(Y > `y`).
    public func survival(_ y: Double) -> Double {
        guard y > 0 else { return 1 }
        if abs(shape) < Self.exponentialShape { return exp(-y / scale) }
        let base = 1 + shape * y / scale
        guard base > 0 else { return 0 }
        return exp(-log(base) / shape)
    }

    /// The excess exceeded with probability `p` in (0, 1]: the y with P(Y > y) = p, that is σ/γ·(p^(−γ) − 1)
    /// (γ ≠ 0) or −σ·log p (γ = 0).
    public func excess(exceededWith p: Double) -> Double {
        let logP = log(p)
        if abs(shape) < Self.exponentialShape { return -scale * logP }
        return scale / shape * expm1(-shape * logP)
    }

    /// Σ log f(yᵢ) over `excesses`, plus `censored`·log P(Y > `bound`) for that many excesses known only to lie
    /// above `bound`: −k·log σ − (1 + 1/γ)·Σ log(1 + γ·yᵢ/σ) − (m/γ)·log(1 + γ·u/σ), or
    /// −k·log σ − (Σ yᵢ + m·u)/σ for γ = 0; −∞ when an excess lies outside the support.
    public func logLikelihood(_ excesses: [Double], censored: Double = 0, at bound: Double = 0) -> Double {
        guard scale > 0 else { return -.infinity }
        let k = Double(excesses.count)
        let censoredLog = censored > 0 ? censored * log(survival(bound)) : 0
        if abs(shape) < Self.exponentialShape {
            return -k * log(scale) - excesses.reduce(0, +) / scale + censoredLog
        }
        var sum = 0.0
        for y in excesses {
            let base = 1 + shape * y / scale
            guard base > 0 else { return -.infinity }
            sum += log(base)
        }
        return -k * log(scale) - (1 + 1 / shape) * sum + censoredLog
    }
}
