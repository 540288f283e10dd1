import Compute
import Detector
import VAE

/// An untrained detector over 4 features, for tests of everything but training.
enum SmallDetector {
    static let featureNames = ["cpu", "memory", "disk", "network"]
    static let architecture = Architecture(inputWidth: 4, hiddenWidths: [6], latentWidth: 2)
    static let scaler = ScalerStatistics(mean: [10, -1, 0, 100], scale: [2, 0.5, 1, 20])

    static func model() throws -> VAEModel {
        try VAEModel(initializing: architecture, seed: 7)
    }

    static func header(threshold: Float? = 6, scaler: ScalerStatistics? = SmallDetector.scaler) -> ModelHeader {
        ModelHeader(
            featureNames: featureNames, architecture: architecture, scaler: scaler, threshold: threshold, seed: 7,
            createdAt: 1_700_000_000, version: 3)
    }

    static func detector(threshold: Float = 6, topFeatureCount: Int = 3) throws -> Detector {
        try Detector(model: model(), header: header(threshold: threshold), topFeatureCount: topFeatureCount)
    }

    /// `rows` records drawn around the scaler's mean with 1 to 3 standard deviations of spread.
    static func records(rows: Int, seed: UInt64, observed: Matrix? = nil) -> RecordBatch {
        var rng = SeededGenerator(seed: seed)
        let features = Matrix(rows: rows, cols: 4) { _, j in
            scaler.mean[j] + scaler.scale[j] * (1 + 2 * rng.nextUnitFloat()) * NormalSampler.next(&rng)
        }
        return RecordBatch(keys: (0..<rows).map { "k\($0)" }, features: features, observed: observed)
    }
}
