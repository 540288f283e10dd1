import Compute

/// Per-record reconstruction terms over observed features, and their gradients.
///
/// With residual rⱼ = xⱼ − x̂ⱼ and mask mⱼ ∈ {0, 1}:
/// - squared error: recon = ½ Σⱼ mⱼ rⱼ², ∂recon/∂x̂ⱼ = −mⱼ rⱼ;
/// - Gaussian: recon = Σⱼ mⱼ ½ (rⱼ² e^(−sⱼ) + sⱼ + log 2π), ∂recon/∂x̂ⱼ = −mⱼ rⱼ e^(−sⱼ),
///   ∂recon/∂sⱼ = ½ mⱼ (1 − rⱼ² e^(−sⱼ)).
/// Each record's weighted squared residual mⱼ rⱼ² (× e^(−sⱼ) for Gaussian) is also written out: it is what a
/// feature contributes to the error, and the explanation divides it by its row sum.
enum ReconstructionKernels {
    /// ½ log 2π.
    static let halfLogTwoPi: Float = 0.918_938_533

    /// Writes `weighted [rows, d]` and `recon [rows]`. `logVariance` is s `[d]` for the Gaussian loss, nil
    /// for squared error.
    static func forward(
        target x: UnsafePointer<Float>, reconstruction xHat: UnsafePointer<Float>, mask: UnsafePointer<Float>,
        logVariance s: UnsafePointer<Float>?, rows: Int, features d: Int,
        weighted: UnsafeMutablePointer<Float>, recon: UnsafeMutablePointer<Float>
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * d) { scratch in
            let precision = scratch.baseAddress!  // e^(−s), or 1
            let constant = precision + d  // ½ (s + log 2π), or 0
            for j in 0..<d {
                precision[j] = s.map { FastMath.exp(-$0[j]) } ?? 1
                constant[j] = s.map { 0.5 * $0[j] + halfLogTwoPi } ?? 0
            }
            for i in 0..<rows {
                let xi = x + i * d
                let hi = xHat + i * d
                let mi = mask + i * d
                let wi = weighted + i * d
                var offset: Float = 0
                for j in 0..<d {
                    let r = xi[j] - hi[j]
                    wi[j] = mi[j] * r * r * precision[j]
                }
                if s != nil {
                    for j in 0..<d { offset += mi[j] * constant[j] }
                }
                recon[i] = 0.5 * Kernels.sum(wi, count: d) + offset
            }
        }
    }

    /// Writes `scale · ωᵢ · ∂reconᵢ/∂x̂` into `gradient [rows, d]` and, for the Gaussian loss, adds
    /// `scale · Σᵢ ωᵢ · ∂reconᵢ/∂s` into `logVarianceGradient [d]` (which the caller zeroes). ωᵢ is
    /// `rowWeight[i]`, or 1 when it is nil.
    static func backward(
        target x: UnsafePointer<Float>, reconstruction xHat: UnsafePointer<Float>, mask: UnsafePointer<Float>,
        logVariance s: UnsafePointer<Float>?, weighted: UnsafePointer<Float>, rows: Int, features d: Int,
        scale: Float, rowWeight: UnsafePointer<Float>? = nil, gradient: UnsafeMutablePointer<Float>,
        logVarianceGradient: UnsafeMutablePointer<Float>?
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: d) { scratch in
            let precision = scratch.baseAddress!
            for j in 0..<d { precision[j] = s.map { FastMath.exp(-$0[j]) } ?? 1 }
            for i in 0..<rows {
                let xi = x + i * d
                let hi = xHat + i * d
                let mi = mask + i * d
                let gi = gradient + i * d
                let rowScale = scale * (rowWeight?[i] ?? 1)
                for j in 0..<d { gi[j] = rowScale * mi[j] * (hi[j] - xi[j]) * precision[j] }
                if let logVarianceGradient, rowScale != 0 {
                    let wi = weighted + i * d
                    for j in 0..<d { logVarianceGradient[j] += rowScale * 0.5 * (mi[j] - wi[j]) }
                }
            }
        }
    }
}
