import TestSupport
import Compute
import VAE

#if canImport(Glibc)
    import Glibc
#endif

/// Seeded data sets for the VAE tests.
enum TrainingData {
    /// Points on a curved 2-dimensional manifold embedded in 16 dimensions, plus noise, with `anomalyRate` of the
    /// rows planted off the manifold. A planted row takes each coordinate from a *different* random normal row,
    /// so every marginal distribution stays that of the normal data: only the joint structure gives it away,
    /// and the squared distance to the mean barely separates it.
    static func manifold(rows: Int, anomalyRate: Double = 0.01, seed: UInt64) -> (data: Matrix, labels: [Bool]) {
        var rng = SeededGenerator(seed: seed)
        let d = 16
        let features = 6
        let mixing = (0..<(features * d)).map { _ in NormalSampler.next(&rng) / Float(features).squareRoot() }
        var normal = [[Float]]()
        for _ in 0..<rows {
            let t1 = 2 * rng.nextUnitFloat() - 1
            let t2 = 2 * rng.nextUnitFloat() - 1
            let basis: [Float] = [t1, t2, t1 * t1 - 0.33, t2 * t2 - 0.33, sin(3 * t1), cos(3 * t2) * t1]
            normal.append(
                (0..<d).map { j in
                    (0..<features).reduce(Float(0)) { $0 + basis[$1] * mixing[$1 * d + j] }
                        + 0.03 * NormalSampler.next(&rng)
                })
        }
        var labels = [Bool](repeating: false, count: rows)
        var storage = [Float]()
        storage.reserveCapacity(rows * d)
        for i in 0..<rows {
            if Double(rng.nextUnitFloat()) < anomalyRate {
                labels[i] = true
                storage.append(contentsOf: (0..<d).map { j in normal[Int(rng.next() % UInt64(rows))][j] })
            } else {
                storage.append(contentsOf: normal[i])
            }
        }
        // Standardize, as the detector will.
        var data = Matrix(rows: rows, cols: d, storage: storage)
        for j in 0..<d {
            let column = (0..<rows).map { data[$0, j] }
            let mean = column.reduce(0, +) / Float(rows)
            let std = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(rows)).squareRoot()
            for i in 0..<rows { data[i, j] = (data[i, j] - mean) / std }
        }
        return (data, labels)
    }
}
