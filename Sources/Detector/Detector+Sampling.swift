import Compute
import VAE

extension Detector {
    /// Draws `count` synthetic records: latent codes z ~ N(0, I) from the prior, through the decoder, back to
    /// raw units with the scaler. They show what the model considers typical. `[count, d]`
    public func sample(count: Int, seed: UInt64) -> Matrix {
        precondition(count >= 0, "Detector.sample: count must not be negative")
        let k = model.architecture.latentWidth
        var rng = SeededGenerator(seed: seed)
        var z = Matrix(rows: count, cols: k)  // [count, k]
        z.withUnsafeMutableBufferPointer { NormalSampler.fill($0, &rng) }
        let decoded = model.decode(z)  // [count, d], standardized
        let mean = scaler.statistics.mean
        let scale = scaler.statistics.scale
        let d = inputWidth
        return Matrix(rows: count, cols: d) { row, column in
            decoded[row, column] * scale[column] + mean[column]
        }
    }
}
