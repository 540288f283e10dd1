import Compute
import Detector

/// Seeded data sets for the detector tests.
enum SyntheticData {
    /// Feature count of ``lowRank(rows:anomalies:seed:)``.
    static let width = 8
    /// Feature names of ``lowRank(rows:anomalies:seed:)``.
    static let featureNames = (0..<width).map { "f\($0)" }

    /// Records on a 2-dimensional linear manifold in 8 features, plus noise at 5 % of the signal, each feature in
    /// its own units (offsets up to 1,000, scales from 0.01 to 500) so that standardization matters.
    ///
    /// The last `anomalies` rows are planted off the manifold: each of their features is copied from a
    /// different random normal row, so every feature's distribution stays that of the normal records and only
    /// the joint structure gives them away.
    static func lowRank(rows: Int, anomalies: Int = 0, seed: UInt64) -> RecordBatch {
        var rng = SeededGenerator(seed: seed)
        // The manifold is the same for every seed: only the records differ.
        var shape = SeededGenerator(seed: 1)
        let loadings = (0..<(2 * width)).map { _ in NormalSampler.next(&shape) }  // [2, width]
        let offsets: [Float] = [1_000, -5, 0, 0.3, 42, -250, 7, 0.01]
        let scales: [Float] = [500, 0.01, 1, 3, 0.2, 80, 10, 0.05]
        let normal = rows - anomalies
        var storage = [Float]()
        storage.reserveCapacity(rows * width)
        for _ in 0..<normal {
            let z1 = NormalSampler.next(&rng)
            let z2 = NormalSampler.next(&rng)
            for j in 0..<width {
                let signal = z1 * loadings[j] + z2 * loadings[width + j] + 0.05 * NormalSampler.next(&rng)
                storage.append(offsets[j] + scales[j] * signal)
            }
        }
        for _ in 0..<anomalies {
            for j in 0..<width {
                storage.append(storage[Int(rng.next() % UInt64(normal)) * width + j])
            }
        }
        return RecordBatch(
            keys: (0..<rows).map { "r\($0)" }, features: Matrix(rows: rows, cols: width, storage: storage))
    }
}
