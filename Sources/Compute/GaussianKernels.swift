/// Kernels for the diagonal Gaussian posterior q(z|x) = N(μ, diag σ²) of a VAE, on the packed layout the
/// latent head produces: one row per record holding `[μ₀ … μₖ₋₁ | ℓ₀ … ℓₖ₋₁]` with ℓ = log σ².
///
/// Log-variances are clamped to ``logVarianceRange`` by ``clampLogVariance(_:rows:latent:)`` right
/// after the head, so e^ℓ neither overflows nor underflows; the backward kernels pass no gradient to a
/// clamped ℓ.
public enum GaussianKernels {
    /// The range log σ² is held to: σ² between e⁻³⁰ ≈ 9e−14 and e²⁰ ≈ 4.9e8.
    public static let logVarianceRange: ClosedRange<Float> = -30...20

    /// Clamps the ℓ half of each row in place. Shapes: head `[rows, 2·latent]`.
    public static func clampLogVariance(_ head: UnsafeMutablePointer<Float>, rows: Int, latent: Int) {
        let lo = logVarianceRange.lowerBound
        let hi = logVarianceRange.upperBound
        for i in 0..<rows {
            let lv = head + i * 2 * latent + latent
            for j in 0..<latent {
                let v = lv[j] < lo ? lo : lv[j]
                lv[j] = v > hi ? hi : v
            }
        }
    }

    /// Per-record KL(q(z|x) ‖ N(0, I)) = ½ Σⱼ (μⱼ² + e^ℓⱼ − ℓⱼ − 1).
    ///
    /// Shapes: head `[rows, 2·latent]`, kl `[rows]`; `perUnit`, when given, `[rows, latent]` receives each
    /// unit's term (used to count active latent units).
    public static func kl(
        head: UnsafePointer<Float>, rows: Int, latent: Int, into kl: UnsafeMutablePointer<Float>,
        perUnit: UnsafeMutablePointer<Float>? = nil
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: latent) { scratch in
            let terms = perUnit ?? scratch.baseAddress!
            for i in 0..<rows {
                let mu = head + i * 2 * latent
                let lv = mu + latent
                let out = perUnit == nil ? terms : terms + i * latent
                for j in 0..<latent {
                    out[j] = 0.5 * (mu[j] * mu[j] + FastMath.exp(lv[j]) - lv[j] - 1)
                }
                kl[i] = Kernels.sum(out, count: latent)
            }
        }
    }

    /// Adds `scale · ωᵢ · ∂KLᵢ/∂(μ, ℓ)` to `gradient`: `scale · ωᵢ · μ` and `scale · ωᵢ · ½(e^ℓ − 1)`, the
    /// latter zero where ℓ sits at a clamp bound. ωᵢ is `rowWeight[i]`, or 1 when it is nil. Shapes: head,
    /// gradient `[rows, 2·latent]`, rowWeight `[rows]`.
    public static func klBackward(
        head: UnsafePointer<Float>, rows: Int, latent: Int, scale: Float, rowWeight: UnsafePointer<Float>? = nil,
        gradient: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<rows {
            let scale = scale * (rowWeight?[i] ?? 1)
            let mu = head + i * 2 * latent
            let lv = mu + latent
            let dMu = gradient + i * 2 * latent
            let dLv = dMu + latent
            for j in 0..<latent {
                dMu[j] += scale * mu[j]
                dLv[j] += isClamped(lv[j]) ? 0 : scale * 0.5 * (FastMath.exp(lv[j]) - 1)
            }
        }
    }

    /// The reparameterization z = μ + e^(ℓ/2) ⊙ ε. Shapes: head `[rows, 2·latent]`, noise ε and z `[rows, latent]`.
    public static func sample(
        head: UnsafePointer<Float>, noise: UnsafePointer<Float>, rows: Int, latent: Int,
        into z: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<rows {
            let mu = head + i * 2 * latent
            let lv = mu + latent
            let eps = noise + i * latent
            let out = z + i * latent
            for j in 0..<latent { out[j] = mu[j] + FastMath.exp(0.5 * lv[j]) * eps[j] }
        }
    }

    /// Writes ∂L/∂(μ, ℓ) given ∂L/∂z for z = μ + e^(ℓ/2) ε: `∂μ = ∂z`, `∂ℓ = ∂z · ε · ½e^(ℓ/2)` (zero at a clamp
    /// bound). With `noise == nil` the latent was z = μ, and `∂ℓ = 0`.
    /// Shapes: dz, noise `[rows, latent]`; head, gradient `[rows, 2·latent]` (overwritten).
    public static func sampleBackward(
        dz: UnsafePointer<Float>, head: UnsafePointer<Float>, noise: UnsafePointer<Float>?, rows: Int, latent: Int,
        gradient: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<rows {
            let lv = head + i * 2 * latent + latent
            let g = dz + i * latent
            let dMu = gradient + i * 2 * latent
            let dLv = dMu + latent
            guard let noise else {
                for j in 0..<latent {
                    dMu[j] = g[j]
                    dLv[j] = 0
                }
                continue
            }
            let eps = noise + i * latent
            for j in 0..<latent {
                dMu[j] = g[j]
                dLv[j] = isClamped(lv[j]) ? 0 : g[j] * eps[j] * 0.5 * FastMath.exp(0.5 * lv[j])
            }
        }
    }

    @inline(__always)
    static func isClamped(_ lv: Float) -> Bool {
        lv <= logVarianceRange.lowerBound || lv >= logVarianceRange.upperBound
    }
}
