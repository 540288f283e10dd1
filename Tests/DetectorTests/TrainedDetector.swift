import Compute
import Detector
import VAE

/// One detector trained on ``SyntheticData/lowRank(rows:anomalies:seed:)``, shared by the tests that need a
/// trained model so that it is trained once per test run.
enum TrainedDetector {
    static let records = SyntheticData.lowRank(rows: 4_000, seed: 11)

    static func options(epochs: Int = 60, seed: UInt64 = 5) -> DetectorOptions {
        var options = DetectorOptions()
        options.hiddenWidths = [16, 8]
        options.latentWidth = 2
        options.training.epochs = epochs
        options.training.minimumSteps = 0
        options.training.batchSize = 64
        options.training.learningRate = 3e-3
        options.training.seed = seed
        return options
    }

    static let result = Result { () throws(DetectorError) -> DetectorTrainingResult in
        try Detector.train(
            featureNames: SyntheticData.featureNames, on: records, options: options(),
            pool: ThreadPool(threadCount: 2), createdAt: 1_700_000_000)
    }
}
