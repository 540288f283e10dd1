import Compute
import Testing
import VAE

/// The decoder run alone agrees with the full network.
@Suite("VAEModel.decode")
struct DecodingTests {
    @Test("decoding μ reproduces the reconstruction behind the score: ½ Σ (x − decode(μ))² = recon")
    func decodeMatchesScoring() throws {
        var rng = SeededGenerator(seed: 5)
        let model = try VAEModel(
            initializing: Architecture(inputWidth: 6, hiddenWidths: [10, 7], latentWidth: 3), seed: 2)
        let x = Matrix(rows: 9, cols: 6) { _, _ in NormalSampler.next(&rng) }  // [9, 6]
        let scores = model.score(x)
        let decoded = model.decode(scores.latentMean)  // [9, 6]
        #expect(decoded.rows == 9 && decoded.cols == 6)
        for row in 0..<9 {
            var error: Float = 0
            for column in 0..<6 {
                let difference = x[row, column] - decoded[row, column]
                error += 0.5 * difference * difference
            }
            #expect(abs(error - scores.recon[row]) <= 1e-4 * max(1, scores.recon[row]), "row \(row)")
        }
    }
}
