#if canImport(Glibc)
    import Glibc
#endif

extension GeneralizedPareto {
    /// How a fit was obtained.
    public enum FitMethod: String, Sendable, Equatable {
        /// Maximum likelihood, with γ in [``minimumShape``, ``maximumShape``].
        case maximumLikelihood = "maximum likelihood"
        /// The method of moments: too few excesses for a stable likelihood fit, or that fit failed.
        case moments = "method of moments"
        /// γ = 0 and σ the mean excess: one excess, all excesses equal, or nothing else was usable.
        case exponential
        /// No usable excesses; the distribution is a placeholder of scale ≈ 0.
        case none
    }

    /// A fitted distribution and how it was fitted.
    public struct Fit: Sendable, Equatable {
        /// The distribution; its shape and scale are always finite and its scale positive.
        public var distribution: GeneralizedPareto
        /// How it was fitted.
        public var method: FitMethod
    }

    /// The smallest shape a fit returns: below −1/2 the likelihood is not regular (Smith 1985), and below −1 it
    /// grows without bound as σ/|γ| approaches the largest excess.
    public static let minimumShape = -0.5
    /// The largest shape a fit returns: past it a handful of huge excesses would put the threshold at infinity.
    public static let maximumShape = 4.0
    /// Fewest excesses fitted by maximum likelihood; below it the method of moments is steadier.
    public static let likelihoodExcesses = 10

    /// Fits a distribution to `excesses` (values ≤ 0 or not finite are left out) by maximum likelihood, falling
    /// back to the method of moments and then to the exponential; never returns NaN.
    ///
    /// `censored` excesses (a count, possibly fractional) are known only to lie above `bound`: each adds
    /// log P(Y > bound) to the likelihood. This is how a streaming threshold accounts for the scores above it,
    /// which it does not keep (see ``ExtremeValueThreshold``).
    ///
    /// The likelihood is maximized over the one parameter θ = γ/σ (Grimshaw 1993, as in SPOT): for a given θ the
    /// best γ is (Σ log(1 + θ·yᵢ) + m·log(1 + θ·u))/k, σ = γ/θ, and the log-likelihood is
    /// −k·log σ − Σ log(1 + θ·yᵢ) − k (θ → 0 is the exponential, σ = (Σ yᵢ + m·u)/k). A coarse scan of θ over
    /// (−1/max(y_max, u), 0) and (0, ∞) up to the largest shape finds the best region, and golden-section search
    /// refines it: about 80 passes over the excesses.
    ///
    /// With `start`, a fit of nearly the same excesses (the previous fit of a streaming threshold), Newton's method
    /// on the profile from its θ comes first (on the edge γ = ``minimumShape`` when `start` is there): 3 to 6
    /// passes when it settles on a maximum at least as likely as the exponential, the full search otherwise.
    public static func fit(
        _ excesses: [Double], censored: Double = 0, at bound: Double = 0, near start: GeneralizedPareto? = nil
    ) -> Fit {
        let y = excesses.filter { $0.isFinite && $0 > 0 }
        guard let summary = ExcessSummary(y, censored: censored, at: bound) else {
            return Fit(distribution: GeneralizedPareto(shape: 0, scale: .leastNormalMagnitude), method: .none)
        }
        let exponential = Fit(
            distribution: GeneralizedPareto(shape: 0, scale: summary.exponentialScale), method: .exponential)
        guard summary.maximum > summary.minimum else { return exponential }
        let fallback = moments(summary) ?? exponential
        guard y.count >= likelihoodExcesses else { return fallback }
        return y.withUnsafeBufferPointer { y in
            if let start, start.shape != 0 {
                let theta = start.shape / start.scale
                let atEdge = start.shape <= minimumShape + 1e-6
                if let fit = atEdge ? edge(y, summary, from: theta) : newton(y, summary, from: theta) { return fit }
            }
            return maximumLikelihood(y, summary)
        } ?? fallback
    }

    /// The method-of-moments fit of the kept excesses (the censored ones left out): γ = (1 − ȳ²/s²)/2,
    /// σ = ȳ·(1 + ȳ²/s²)/2 (valid for γ < 1/2, where the variance exists). A shape below ``minimumShape`` is
    /// raised to it with σ = ȳ·(1 − γ), keeping the mean.
    static func moments(_ summary: ExcessSummary) -> Fit? {
        let ratio = summary.mean * summary.mean / summary.variance
        var shape = (1 - ratio) / 2
        var scale = summary.mean * (1 + ratio) / 2
        if shape < minimumShape {
            shape = minimumShape
            scale = summary.mean * (1 - shape)
        }
        guard shape.isFinite, scale.isFinite, scale > 0 else { return nil }
        return Fit(distribution: GeneralizedPareto(shape: shape, scale: scale), method: .moments)
    }

    /// Grimshaw's profile likelihood, scanned then refined; nil when no θ gives a finite likelihood.
    static func maximumLikelihood(_ y: UnsafeBufferPointer<Double>, _ summary: ExcessSummary) -> Fit? {
        func profile(_ theta: Double) -> (value: Double, shape: Double, scale: Double) {
            Self.profile(y, theta: theta, summary)
        }
        // θ < 0, as w = −θ·max(y_max, u) in (0, 1): dense near 0 (nearly exponential) and near 1 (a short tail).
        let negative = [1 - 1e-6, 0.9999, 0.999, 0.99, 0.97, 0.9, 0.8, 0.65, 0.5, 0.35, 0.2, 0.1, 0.03, 0.01, 1e-3]
        let end = max(summary.maximum, summary.censored > 0 ? summary.bound : 0)
        var thetas = negative.map { -$0 / end } + [0]
        var values = thetas.map { profile($0).value }
        // θ > 0, as v = θ·ȳ, growing by 2.5 until γ passes the largest shape.
        var v = 1e-3
        while thetas.count < 80 {
            let point = profile(v / summary.mean)
            thetas.append(v / summary.mean)
            values.append(point.value)
            if point.shape > maximumShape { break }
            v *= 2.5
        }
        guard let best = values.indices.max(by: { values[$0] < values[$1] }), values[best] > -.infinity else {
            return nil
        }
        let low = thetas[max(best - 1, 0)]
        let high = thetas[min(best + 1, thetas.count - 1)]
        var theta = goldenMaximum(low, high) { profile($0).value }
        if !(profile(theta).value >= values[best]) { theta = thetas[best] }
        let point = profile(theta)
        guard point.value.isFinite, point.shape.isFinite, point.scale.isFinite, point.scale > 0 else { return nil }
        return Fit(distribution: GeneralizedPareto(shape: point.shape, scale: point.scale), method: .maximumLikelihood)
    }

    /// The profile at θ = γ/σ: with A = Σ log(1 + θ·yᵢ) and B = log(1 + θ·u), γ(θ) = (A + m·B)/k, σ = γ/θ, and
    /// the log-likelihood per kept excess −log σ − A/k − 1; −∞ where 1 + θ·y or 1 + θ·u is not positive or γ
    /// leaves [``minimumShape``, ``maximumShape``].
    static func profile(
        _ y: UnsafeBufferPointer<Double>, theta: Double, _ summary: ExcessSummary
    ) -> (value: Double, shape: Double, scale: Double) {
        if theta == 0 {
            let scale = summary.exponentialScale
            return (-log(scale) - 1, 0, scale)
        }
        var sum = 0.0
        for value in y { sum += log1p(theta * value) }  // NaN where θ·y < −1
        let k = Double(y.count)
        let censoredSum = summary.censored > 0 ? summary.censored * log1p(theta * summary.bound) : 0
        let shape = (sum + censoredSum) / k
        let scale = shape / theta
        guard shape >= minimumShape, shape <= maximumShape, scale > 0, scale.isFinite else {
            return (-.infinity, shape, scale)
        }
        return (-log(scale) - sum / k - 1, shape, scale)
    }

    /// The x in [`low`, `high`] where `f` is largest, by golden-section search (f taken as unimodal there),
    /// to a relative width of 1e-9 or 80 steps.
    static func goldenMaximum(_ low: Double, _ high: Double, _ f: (Double) -> Double) -> Double {
        let ratio = (5.0.squareRoot() - 1) / 2  // 0.618…
        var a = low
        var b = high
        var c = b - ratio * (b - a)
        var d = a + ratio * (b - a)
        var fc = f(c)
        var fd = f(d)
        var steps = 0
        while steps < 80, b - a > 1e-9 * (abs(a) + abs(b)) {
            steps += 1
            if fc >= fd {
                b = d
                d = c
                fd = fc
                c = b - ratio * (b - a)
                fc = f(c)
            } else {
                a = c
                c = d
                fc = fd
                d = a + ratio * (b - a)
                fd = f(d)
            }
        }
        return fc >= fd ? c : d
    }
}

/// Count, sum, mean, extremes and variance of a set of positive excesses, and the censored ones beside them.
struct ExcessSummary {
    /// Number of kept excesses, at least 1.
    var count: Int
    /// Their sum.
    var sum: Double
    /// Their mean ȳ > 0.
    var mean: Double
    /// The smallest.
    var minimum: Double
    /// The largest.
    var maximum: Double
    /// Their variance (divided by k − 1; 0 for one excess).
    var variance: Double
    /// Excesses known only to lie above `bound`: m ≥ 0.
    var censored: Double
    /// Where they are censored: u ≥ 0.
    var bound: Double

    /// The exponential's maximum-likelihood scale: (Σ yᵢ + m·u)/k.
    var exponentialScale: Double { (sum + censored * bound) / Double(count) }

    /// The summary of `y` (finite, positive values) with `censored` more above `bound` (ignored unless both are
    /// positive and finite); nil when `y` is empty or the mean is not a positive finite number.
    init?(_ y: [Double], censored: Double = 0, at bound: Double = 0) {
        guard let minimum = y.min(), let maximum = y.max() else { return nil }
        let sum = y.reduce(0, +)
        let mean = sum / Double(y.count)
        guard mean.isFinite, mean > 0 else { return nil }
        var squares = 0.0
        for value in y { squares += (value - mean) * (value - mean) }
        count = y.count
        self.sum = sum
        self.mean = mean
        self.minimum = minimum
        self.maximum = maximum
        variance = y.count > 1 ? squares / Double(y.count - 1) : 0
        let usable = censored > 0 && censored.isFinite && bound > 0 && bound.isFinite
        self.censored = usable ? censored : 0
        self.bound = usable ? bound : 0
        if !(exponentialScale.isFinite) {
            self.censored = 0
            self.bound = 0
        }
    }
}
