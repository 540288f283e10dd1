#if canImport(Glibc)
    import Glibc
#endif

extension GeneralizedPareto {
    /// The maximum of the profile likelihood near `start` by Newton's method on its derivative, for a refit of
    /// nearly the same excesses; nil when a step leaves the domain, the profile is not concave there, 12 steps do
    /// not settle, or the maximum is less likely than the exponential or outside the allowed shapes (the profile
    /// gives −∞ there).
    ///
    /// With a(θ) = mean log(1 + θ·yᵢ), b(θ) = (m/k)·log(1 + θ·u) and γ = a + b, the profile per kept excess is
    /// f(θ) = log θ − log γ − a − 1 (with signs so that σ = γ/θ > 0), f′ = 1/θ − γ′/γ − a′ and
    /// f″ = −1/θ² − (γ″·γ − γ′²)/γ² − a″; each step is one pass over the excesses.
    static func newton(
        _ y: UnsafeBufferPointer<Double>, _ summary: ExcessSummary, from start: Double
    ) -> Fit? {
        var theta = start
        for _ in 0..<12 {
            guard let sums = ProfileSums(y, summary, theta: theta) else { return nil }
            let slope = sums.slope
            let curvature = sums.curvature
            guard curvature < 0, slope.isFinite else { return nil }
            let next = theta - slope / curvature
            guard next.isFinite, (next > 0) == (theta > 0) else { return nil }
            let settled = abs(next - theta) <= 1e-10 * abs(theta)
            theta = next
            if settled { return accept(y, summary, theta: theta) }
        }
        return nil
    }

    /// The maximum on the edge γ = ``minimumShape`` near `start`, where a previous fit ended: Newton's method on
    /// γ(θ) = minimumShape (γ rises with θ), accepted when the profile falls away from the edge into the allowed
    /// shapes; nil otherwise.
    static func edge(_ y: UnsafeBufferPointer<Double>, _ summary: ExcessSummary, from start: Double) -> Fit? {
        var theta = start
        for _ in 0..<12 {
            guard let sums = ProfileSums(y, summary, theta: theta), sums.g1 > 0 else { return nil }
            let next = theta - (sums.g - minimumShape) / sums.g1
            guard next.isFinite, next < 0 else { return nil }
            let settled = abs(next - theta) <= 1e-10 * abs(theta)
            theta = next
            guard settled else { continue }
            // Nudge inside, where the profile is defined, and check that it decreases from there.
            theta *= 1 - 1e-9
            guard let inside = ProfileSums(y, summary, theta: theta), inside.slope <= 0 else { return nil }
            return accept(y, summary, theta: theta)
        }
        return nil
    }

    /// The fit at `theta` when it is at least as likely as the exponential and within the allowed shapes.
    static func accept(_ y: UnsafeBufferPointer<Double>, _ summary: ExcessSummary, theta: Double) -> Fit? {
        let point = profile(y, theta: theta, summary)
        let exponential = profile(y, theta: 0, summary)
        guard point.value.isFinite, point.value >= exponential.value, point.scale.isFinite, point.scale > 0 else {
            return nil
        }
        return Fit(distribution: GeneralizedPareto(shape: point.shape, scale: point.scale), method: .maximumLikelihood)
    }
}

/// One pass over the excesses at θ: γ(θ) and its first two derivatives, a′ and a″, and from them the slope and
/// curvature of the profile.
struct ProfileSums {
    /// γ = a + b.
    var g: Double
    /// γ′.
    var g1: Double
    /// γ″.
    var g2: Double
    /// a′ = mean yᵢ/(1 + θ·yᵢ).
    var a1: Double
    /// a″ = −mean (yᵢ/(1 + θ·yᵢ))².
    var a2: Double
    /// θ.
    var theta: Double

    /// f′ = 1/θ − γ′/γ − a′.
    var slope: Double { 1 / theta - g1 / g - a1 }
    /// f″ = −1/θ² − (γ″·γ − γ′²)/γ² − a″.
    var curvature: Double { -1 / (theta * theta) - (g2 * g - g1 * g1) / (g * g) - a2 }

    /// The sums at `theta`; nil where 1 + θ·y or 1 + θ·u is not positive, θ is 0, or σ = γ/θ is not positive.
    init?(_ y: UnsafeBufferPointer<Double>, _ summary: ExcessSummary, theta: Double) {
        guard theta != 0 else { return nil }
        let k = Double(y.count)
        var a = 0.0
        var a1 = 0.0
        var a2 = 0.0
        for value in y {
            let w = theta * value
            guard w > -1 else { return nil }
            a += log1p(w)
            let q = value / (1 + w)
            a1 += q
            a2 -= q * q
        }
        a /= k
        a1 /= k
        a2 /= k
        var b = 0.0
        var b1 = 0.0
        var b2 = 0.0
        let perExcess = summary.censored / k  // m/k
        if perExcess > 0 {
            let w = theta * summary.bound
            guard w > -1 else { return nil }
            b = perExcess * log1p(w)
            let q = summary.bound / (1 + w)
            b1 = perExcess * q
            b2 = -perExcess * q * q
        }
        g = a + b
        g1 = a1 + b1
        g2 = a2 + b2
        self.a1 = a1
        self.a2 = a2
        self.theta = theta
        guard g != 0, (g > 0) == (theta > 0) else { return nil }
    }
}
