import Detector
import Glibc
import TestSupport
import Testing

/// Seeded samples of known distributions for the extreme-value tests.
enum TailSamples {
    /// `count` draws of the generalized Pareto distribution (γ, σ) by inversion: σ/γ·(U^(−γ) − 1), or −σ·log U.
    static func pareto(shape: Double, scale: Double, count: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let u = 1 - rng.unit()  // in (0, 1]
            return abs(shape) < 1e-12 ? -scale * log(u) : scale / shape * (pow(u, -shape) - 1)
        }
    }

    /// `count` draws of `scale`·χ²₈ (a sum of 8 squared standard normals): a light, reconstruction-error-like tail.
    static func chiSquare8(count: Int, seed: UInt64, scale: (Int) -> Double = { _ in 1 }) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { index in
            var sum = 0.0
            for _ in 0..<8 {
                let z = rng.normal()
                sum += z * z
            }
            return Float(scale(index) * sum)
        }
    }

    /// The upper quantiles of χ²₈: P(X > x) = 1e-2 at 20.0902 and 1e-3 at 26.1245.
    static func chiSquare8Quantile(exceededWith p: Double) -> Double {
        p == 1e-2 ? 20.090235 : 26.124482
    }
}

@Suite("Extreme value: generalized Pareto fit")
struct ExtremeValueFitTests {
    @Test(
        "maximum likelihood recovers (γ, σ) of seeded samples: heavy, exponential and short tails",
        arguments: [(0.3, 2.0), (0.0, 1.5), (-0.3, 1.0)])
    func recovers(shape: Double, scale: Double) {
        let sample = TailSamples.pareto(shape: shape, scale: scale, count: 5_000, seed: 42)
        let fit = GeneralizedPareto.fit(sample)
        let d = fit.distribution
        print("GPD γ = \(shape), σ = \(scale): fitted γ = \(d.shape), σ = \(d.scale) by \(fit.method.rawValue)")
        #expect(fit.method == .maximumLikelihood)
        // Standard errors at 5,000 excesses: about 0.02 for γ and 2.5 % for σ; the tolerances are 3 of them.
        #expect(abs(d.shape - shape) < 0.06)
        #expect(abs(d.scale / scale - 1) < 0.08)
    }

    @Test(
        "the fast (profile) fit matches the plain reference fit: same likelihood, same parameters",
        arguments: [(0.5, 1.0, UInt64(1)), (0.0, 3.0, UInt64(2)), (-0.25, 0.5, UInt64(3)), (0.1, 10.0, UInt64(4))])
    func matchesReference(shape: Double, scale: Double, seed: UInt64) {
        let sample = TailSamples.pareto(shape: shape, scale: scale, count: 800, seed: seed)
        let fast = GeneralizedPareto.fit(sample).distribution
        let reference = GeneralizedPareto.referenceFit(sample).distribution
        let fastL = fast.logLikelihood(sample)
        let referenceL = reference.logLikelihood(sample)
        print(
            "γ = \(shape), σ = \(scale): fast γ \(fast.shape) σ \(fast.scale) ℓ \(fastL); "
                + "reference γ \(reference.shape) σ \(reference.scale) ℓ \(referenceL)")
        #expect(fastL >= referenceL - 1e-6 * abs(referenceL), "the fast fit is a maximum at least as high")
        #expect(abs(fast.shape - reference.shape) < 5e-3)
        #expect(abs(fast.scale / reference.scale - 1) < 5e-3)
    }

    @Test("censored: a sample cut at its 0.9 quantile, the rest censored there, gives (γ, σ); ignoring them does not")
    func censored() {
        let sample = TailSamples.pareto(shape: 0.2, scale: 1, count: 3_000, seed: 21)
        let bound = sample.sorted()[2_700]
        let kept = sample.filter { $0 <= bound }
        let censored = Double(sample.count - kept.count)
        let fit = GeneralizedPareto.fit(kept, censored: censored, at: bound).distribution
        let reference = GeneralizedPareto.referenceFit(kept, censored: censored, at: bound).distribution
        let naive = GeneralizedPareto.fit(kept).distribution
        print(
            "cut at \(bound), \(censored) censored: γ \(fit.shape) σ \(fit.scale); reference γ \(reference.shape) "
                + "σ \(reference.scale); ignoring the cut γ \(naive.shape) σ \(naive.scale)")
        #expect(abs(fit.shape - 0.2) < 0.1 && abs(fit.scale - 1) < 0.1)
        #expect(naive.shape < 0, "the cut sample alone looks like a tail with an end")
        let fitL = fit.logLikelihood(kept, censored: censored, at: bound)
        let referenceL = reference.logLikelihood(kept, censored: censored, at: bound)
        #expect(fitL >= referenceL - 1e-6 * abs(referenceL))
        #expect(abs(fit.shape - reference.shape) < 5e-3 && abs(fit.scale / reference.scale - 1) < 5e-3)
        let exponential = GeneralizedPareto.fit([1, 1, 1], censored: 3, at: 2).distribution
        #expect(exponential.shape == 0 && exponential.scale == 3, "(Σ y + m·u)/k = (3 + 6)/3")
    }

    @Test(
        "a fit started from a previous one (Newton) lands where the full search does, from near or far",
        arguments: [(0.3, 2.0), (0.0, 1.5), (-0.3, 1.0), (-0.8, 1.0)])
    func warmStart(shape: Double, scale: Double) {
        let sample = TailSamples.pareto(shape: shape, scale: scale, count: 3_000, seed: 31)
        let censored = 40.0
        let bound = sample.max()! * 1.01
        let full = GeneralizedPareto.fit(sample, censored: censored, at: bound)
        let previous = GeneralizedPareto.fit(Array(sample.prefix(2_700)), censored: censored, at: bound)
        let starts = [
            previous.distribution, GeneralizedPareto(shape: -0.45, scale: 5), GeneralizedPareto(shape: 3, scale: 0.1),
        ]
        if shape < GeneralizedPareto.minimumShape {
            #expect(abs(full.distribution.shape - GeneralizedPareto.minimumShape) < 1e-6, "a maximum on the edge")
        }
        for start in starts {
            let warm = GeneralizedPareto.fit(sample, censored: censored, at: bound, near: start)
            #expect(warm.method == .maximumLikelihood)
            #expect(abs(warm.distribution.shape - full.distribution.shape) < 1e-5, "from \(start)")
            #expect(abs(warm.distribution.scale / full.distribution.scale - 1) < 1e-5, "from \(start)")
        }
    }

    @Test("degenerate inputs give finite fits and finite thresholds, never NaN")
    func degenerate() {
        let cases: [(name: String, excesses: [Double], method: GeneralizedPareto.FitMethod)] = [
            ("none", [], .none),
            ("only values that are not excesses", [0, -1, .nan, .infinity], .none),
            ("one peak", [2.5], .exponential),
            ("all peaks equal", [Double](repeating: 0.75, count: 200), .exponential),
            ("five peaks", [0.1, 0.4, 0.2, 1.3, 0.05], .moments),
            ("two values, many times", (0..<100).map { $0 % 2 == 0 ? 1 : 2 }, .maximumLikelihood),
            ("tiny", (1...50).map { Double($0) * 1e-300 }, .maximumLikelihood),
            ("huge", (1...50).map { Double($0) * 1e300 }, .maximumLikelihood),
        ]
        for (name, excesses, method) in cases {
            let fit = GeneralizedPareto.fit(excesses)
            let d = fit.distribution
            print("\(name): γ = \(d.shape), σ = \(d.scale) by \(fit.method.rawValue)")
            #expect(fit.method == method, "\(name)")
            #expect(d.shape.isFinite && d.scale.isFinite && d.scale > 0, "\(name): γ \(d.shape), σ \(d.scale)")
            #expect(d.shape >= GeneralizedPareto.minimumShape && d.shape <= GeneralizedPareto.maximumShape)
            for p in [0.5, 1e-3, 1e-9] {
                #expect(!d.excess(exceededWith: p).isNaN, "\(name): the excess at \(p) is NaN")
            }
        }
        #expect(GeneralizedPareto.fit([2.5]).distribution.scale == 2.5, "one peak: the exponential of its mean")
    }

    @Test("survival and excess are inverse to each other for every kind of tail")
    func inverse() {
        for shape in [-0.4, -1e-12, 0, 0.2, 1.5] {
            let d = GeneralizedPareto(shape: shape, scale: 1.7)
            for p in [0.9, 0.1, 1e-3, 1e-6] {
                let y = d.excess(exceededWith: p)
                #expect(abs(d.survival(y) / p - 1) < 1e-9, "γ \(shape), p \(p): S(\(y)) = \(d.survival(y))")
            }
        }
    }
}
