import TestSupport
import Compute
import Testing
import VAE

@Suite("Scoring")
struct ScoringTests {
    static let architecture = Architecture(inputWidth: 6, hiddenWidths: [8, 5], latentWidth: 2)

    func randomMatrix(rows: Int, cols: Int, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols) { _, _ in NormalSampler.next(&rng) }
    }

    @Test("score = recon + β·kl; shares sum to 1; μ and log σ² are reported", arguments: [Float(0), 0.5, 1])
    func parts(beta: Float) throws {
        var architecture = Self.architecture
        architecture.beta = beta
        let model = try VAEModel(initializing: architecture, seed: 2)
        let x = randomMatrix(rows: 600, cols: 6, seed: 3)
        let scores = model.score(x)
        #expect(scores.count == 600)
        for i in 0..<600 {
            #expect(scores.score[i] == scores.recon[i] + beta * scores.kl[i])
            #expect(scores.recon[i] >= 0 && scores.kl[i] >= 0)
            let shares = scores.featureShares.row(i)
            #expect(abs(shares.reduce(0, +) - 1) < 1e-5)
            #expect(shares.allSatisfy { $0 >= 0 })
        }
        #expect(scores.latentMean.rows == 600 && scores.latentMean.cols == 2)
        #expect(scores.latentLogVariance.cols == 2)
    }

    @Test("the recon term is ½ Σ (x − x̂)² over observed features; missing features count for nothing")
    func masking() throws {
        let model = try VAEModel(initializing: Self.architecture, seed: 2)
        let x = randomMatrix(rows: 5, cols: 6, seed: 4)
        var mask = Matrix(rows: 5, cols: 6, repeating: 1)
        mask[1, 2] = 0
        mask[3, 0] = 0
        let full = model.score(x)
        let masked = model.score(x, mask: mask)
        // Changing a masked-out value moves nothing but the latent (x goes in as imputed); with the value held,
        // the masked recon is the full recon minus that feature's share of it.
        for i in [1, 3] {
            let j = i == 1 ? 2 : 0
            let removed = full.featureShares[i, j] * full.recon[i]
            #expect(abs(masked.recon[i] - (full.recon[i] - removed)) < 1e-4 * max(1, full.recon[i]))
            #expect(masked.featureShares[i, j] == 0)
        }
        #expect(masked.recon[0] == full.recon[0])
        #expect(masked.kl == full.kl)
    }

    @Test("scoring on a pool gives the same bits as scoring on one thread")
    func poolIsIdentical() throws {
        let model = try VAEModel(initializing: Self.architecture, seed: 2)
        let x = randomMatrix(rows: 1_001, cols: 6, seed: 5)
        #expect(model.score(x) == model.score(x, pool: ThreadPool(threadCount: 3)))
        #expect(model.score(Matrix(rows: 0, cols: 6)).count == 0)
    }

    @Test("a wild input gives finite scores, never NaN")
    func extremeInput() throws {
        let model = try VAEModel(initializing: Self.architecture, seed: 2)
        let x = Matrix(
            rows: 3, cols: 6,
            storage: [1e30, -1e30, 1e30, 0, 0, 0, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 3e38, -3e38, 3e38, -3e38, 3e38, 1])
        let scores = model.score(x)
        for values in [scores.recon, scores.kl, scores.score, scores.featureShares.storage] {
            #expect(!values.contains { $0.isNaN })
        }
        #expect(scores.recon[1].isFinite && scores.recon[1] > 1e10)
        #expect(scores.score[0] == .infinity && scores.score[2] == .infinity)
        for i in 0..<3 {
            #expect(abs(scores.featureShares.row(i).reduce(0, +) - 1) < 1e-5, "row \(i)")
        }
    }
}
