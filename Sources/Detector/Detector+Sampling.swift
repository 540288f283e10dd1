import Compute
import VAE

extension Detector {
    /// Draws `count` synthetic records: latent codes z ~ N(0, I) from the prior, through the decoder, back to
    /// raw units with the scaler. They show what the model considers typical. `[count, d]`
    ///
    /// - Parameter times: for a model with a ``timeColumn``, the time of each record to draw (seconds since
    ///   1970): what is typical at that time of day and day of week. `[count]`; ignored without a time column.
    public func sample(count: Int, seed: UInt64, at times: [Double]? = nil) -> Matrix {
        precondition(count >= 0, "Detector.sample: count must not be negative")
        let k = model.architecture.latentWidth
        var rng = SeededGenerator(seed: seed)
        var z = Matrix(rows: count, cols: k)  // [count, k]
        z.withUnsafeMutableBufferPointer { NormalSampler.fill($0, &rng) }
        var conditions: Matrix?  // [count, 4]
        if let column = timeColumn {
            guard let times, times.count == count else {
                preconditionFailure(
                    "Detector.sample: the model needs the time of each of the \(count) records (\(column))")
            }
            conditions = TimeContext.inputs(times)
        }
        let decoded = model.decode(z, conditions: conditions)  // [count, d], standardized
        let mean = scaler.statistics.mean
        let scale = scaler.statistics.scale
        let d = inputWidth
        return Matrix(rows: count, cols: d) { row, column in
            decoded[row, column] * scale[column] + mean[column]
        }
    }
}
