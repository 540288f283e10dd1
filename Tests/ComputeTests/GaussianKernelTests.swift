import Compute
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Gaussian posterior kernels")
struct GaussianKernelTests {
    let latent = 3
    let head: [Float] = [0.5, -1, 2, 0.1, -0.7, 1.3, 0, 0, 0, 0, 0, 0]  // 2 rows of [μ | ℓ]

    @Test("KL matches the closed form and is zero at the prior")
    func klValue() {
        var kl = [Float](repeating: 0, count: 2)
        var perUnit = [Float](repeating: 0, count: 6)
        GaussianKernels.kl(head: head, rows: 2, latent: latent, into: &kl, perUnit: &perUnit)
        var expected: Float = 0
        for j in 0..<latent {
            let (mu, lv) = (head[j], head[latent + j])
            expected += 0.5 * (mu * mu + Float(exp(Double(lv))) - lv - 1)
        }
        #expect(abs(kl[0] - expected) < 1e-5)
        #expect(kl[1] == 0)
        #expect(abs(perUnit[0] + perUnit[1] + perUnit[2] - kl[0]) < 1e-5)
    }

    @Test("KL gradient matches central differences")
    func klGradient() {
        var gradient = [Float](repeating: 0, count: head.count)
        GaussianKernels.klBackward(head: head, rows: 2, latent: latent, scale: 1, gradient: &gradient)
        for index in head.indices {
            var plus = head
            var minus = head
            plus[index] += 1e-2
            minus[index] -= 1e-2
            let numeric = (totalKL(plus) - totalKL(minus)) / 2e-2
            #expect(abs(gradient[index] - numeric) < 1e-2 * max(1, abs(numeric)), "index \(index)")
        }
    }

    @Test("sampling: z = μ + e^(ℓ/2)ε and its backward pass")
    func sampling() {
        let noise: [Float] = [1, -2, 0.5, 0.3, 0.3, 0.3]
        var z = [Float](repeating: 0, count: 6)
        GaussianKernels.sample(head: head, noise: noise, rows: 2, latent: latent, into: &z)
        let z1: Float = -1 + Glibc.expf(-0.35) * -2
        #expect(abs(z[1] - z1) < 1e-5)
        let dz: [Float] = [1, 1, 1, 2, 2, 2]
        var gradient = [Float](repeating: .nan, count: 12)
        GaussianKernels.sampleBackward(dz: dz, head: head, noise: noise, rows: 2, latent: latent, gradient: &gradient)
        #expect(gradient[0] == 1)
        let expected: Float = -2 * 0.5 * Glibc.expf(-0.35)
        #expect(abs(gradient[latent + 1] - expected) < 1e-5)
        GaussianKernels.sampleBackward(dz: dz, head: head, noise: nil, rows: 2, latent: latent, gradient: &gradient)
        #expect(gradient[latent] == 0 && gradient[0] == 1)
    }

    @Test("clamping keeps e^ℓ finite and blocks the gradient at the bound")
    func clamp() {
        var extreme: [Float] = [0, 1000, 0, -1000]  // 2 rows, latent 1
        GaussianKernels.clampLogVariance(&extreme, rows: 2, latent: 1)
        #expect(extreme[1] == GaussianKernels.logVarianceRange.upperBound)
        #expect(extreme[3] == GaussianKernels.logVarianceRange.lowerBound)
        var kl = [Float](repeating: 0, count: 2)
        GaussianKernels.kl(head: extreme, rows: 2, latent: 1, into: &kl)
        #expect(kl.allSatisfy { $0.isFinite })
        var gradient = [Float](repeating: 0, count: 4)
        GaussianKernels.klBackward(head: extreme, rows: 2, latent: 1, scale: 1, gradient: &gradient)
        #expect(gradient[1] == 0 && gradient[3] == 0)
    }

    func totalKL(_ head: [Float]) -> Float {
        var kl = [Float](repeating: 0, count: 2)
        GaussianKernels.kl(head: head, rows: 2, latent: latent, into: &kl)
        return kl[0] + kl[1]
    }
}
