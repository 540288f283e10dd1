#if canImport(Glibc)
    import Glibc
#endif

extension GeneralizedPareto {
    /// A plain, slow maximum-likelihood fit to check ``fit(_:)`` against: the log-likelihood is maximized over σ
    /// by golden-section search in log σ for every γ on a grid of step 0.05 over [``minimumShape``,
    /// ``maximumShape``], then over γ by golden-section search between the best grid point's neighbours. No
    /// profile trick and no fallbacks; about 10,000 passes over the excesses, so for tests only. Values ≤ 0 or
    /// not finite are left out; fewer than two distinct excesses give the exponential. `censored` and `bound` as
    /// in ``fit(_:censored:at:)``.
    public static func referenceFit(_ excesses: [Double], censored: Double = 0, at bound: Double = 0) -> Fit {
        let y = excesses.filter { $0.isFinite && $0 > 0 }
        guard let summary = ExcessSummary(y, censored: censored, at: bound) else {
            return Fit(distribution: GeneralizedPareto(shape: 0, scale: .leastNormalMagnitude), method: .none)
        }
        guard summary.maximum > summary.minimum else {
            return Fit(
                distribution: GeneralizedPareto(shape: 0, scale: summary.exponentialScale), method: .exponential)
        }
        let m = summary.censored
        let u = summary.bound
        /// The best σ for `shape`, and the log-likelihood there.
        func bestScale(_ shape: Double) -> (scale: Double, value: Double) {
            if abs(shape) < exponentialShape {
                let scale = summary.exponentialScale
                return (scale, GeneralizedPareto(shape: 0, scale: scale).logLikelihood(y, censored: m, at: u))
            }
            // The support needs σ > −γ·max(y_max, u) when γ < 0.
            let end = max(summary.maximum, u)
            let lower = shape < 0 ? -shape * end * (1 + 1e-12) : summary.mean * 1e-6
            let upper = 10 * end
            let logScale = goldenMaximum(log(lower), log(upper)) {
                GeneralizedPareto(shape: shape, scale: exp($0)).logLikelihood(y, censored: m, at: u)
            }
            let scale = exp(logScale)
            return (scale, GeneralizedPareto(shape: shape, scale: scale).logLikelihood(y, censored: m, at: u))
        }
        let steps = Int(((maximumShape - minimumShape) / 0.05).rounded())
        let shapes = (0...steps).map { minimumShape + Double($0) * 0.05 }
        let values = shapes.map { bestScale($0).value }
        let best = values.indices.max { values[$0] < values[$1] }!
        var shape = goldenMaximum(shapes[max(best - 1, 0)], shapes[min(best + 1, steps)]) { bestScale($0).value }
        if !(bestScale(shape).value >= values[best]) { shape = shapes[best] }
        return Fit(
            distribution: GeneralizedPareto(shape: shape, scale: bestScale(shape).scale), method: .maximumLikelihood)
    }
}
