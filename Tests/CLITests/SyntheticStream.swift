import Glibc
import TestSupport

/// A seeded multivariate stream for end-to-end tests: 8 features driven by 3 latent factors with a
/// non-linearity and noise, and about 1% planted anomalies of three kinds (a spike in one feature, a broken
/// correlation, a shift of several features at once).
struct SyntheticStream {
    /// CSV text with header `x0,…,x7,label`.
    var csv: String
    /// 1 for planted anomalies, per record.
    var labels: [Int]

    init(rows: Int, seed: UInt64, anomalyRate: Double = 0.01, labelColumn: Bool = true) {
        var rng = SplitMix64(seed: seed)
        var loadings: [[Double]] = []
        for _ in 0..<8 { loadings.append((0..<3).map { _ in rng.normal() }) }
        var text = (0..<8).map { "x\($0)" }.joined(separator: ",") + (labelColumn ? ",label" : "") + "\n"
        var labels: [Int] = []
        for _ in 0..<rows {
            let z = (0..<3).map { _ in rng.normal() }
            var x = loadings.map { row in
                let linear = zip(row, z).reduce(0) { $0 + $1.0 * $1.1 }
                return linear + 0.3 * tanh(linear) + 0.1 * rng.normal()
            }
            let anomalous = rng.unit() < anomalyRate
            if anomalous {
                let feature = Int(rng.unit() * 8) % 8
                switch Int(rng.unit() * 3) % 3 {
                case 0: x[feature] += (rng.unit() < 0.5 ? -1 : 1) * (5 + 3 * rng.unit())
                case 1: x[feature] = -x[feature] + (x[feature] >= 0 ? -2 : 2)
                default: for j in 0..<4 { x[(feature + j) % 8] += 2.5 }
                }
            }
            labels.append(anomalous ? 1 : 0)
            text += x.map { String(Float($0)) }.joined(separator: ",") + (labelColumn ? ",\(anomalous ? 1 : 0)" : "")
            text += "\n"
        }
        csv = text
        self.labels = labels
    }
}
