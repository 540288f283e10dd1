import Compute
import Detector
import Testing
import VAE

@Suite("Detector training refusals")
struct DetectorTrainingRefusalTests {
    func code(
        names: [String] = SyntheticData.featureNames, records: RecordBatch = SyntheticData.lowRank(rows: 20, seed: 1),
        _ change: (inout DetectorOptions) -> Void = { _ in }
    ) -> DetectorError.Code? {
        var options = TrainedDetector.options(epochs: 1)
        change(&options)
        do {
            _ = try Detector.train(
                featureNames: names, on: records, options: options, pool: ThreadPool(threadCount: 1), createdAt: 0)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("bad options are refused before any work")
    func options() {
        #expect(code { $0.thresholdQuantile = 1 } == .invalidOptions)
        #expect(code { $0.thresholdQuantile = 0 } == .invalidOptions)
        #expect(code { $0.topFeatureCount = 0 } == .invalidOptions)
        #expect(code { $0.training.epochs = 0 } == .invalidOptions)
        #expect(code { $0.hiddenWidths = [16, 0] } == .invalidOptions)
        #expect(code { $0.beta = -1 } == .invalidOptions)
        #expect(code() == nil)
    }

    @Test("no records, a name per column missing, or a value that is not finite is bad data")
    func data() {
        var infinite = SyntheticData.lowRank(rows: 20, seed: 1)
        infinite.features[3, 5] = .infinity
        #expect(code(records: SyntheticData.lowRank(rows: 0, seed: 1)) == .badData)
        #expect(code(names: Array(SyntheticData.featureNames.dropLast())) == .badData)
        #expect(code(records: infinite) == .badData)
    }

    @Test("the message names the record and feature at fault")
    func message() {
        var records = SyntheticData.lowRank(rows: 20, seed: 1)
        records.features[3, 5] = .nan
        let error = #expect(throws: DetectorError.self) {
            try Detector.train(
                featureNames: SyntheticData.featureNames, on: records, options: TrainedDetector.options(epochs: 1),
                pool: ThreadPool(threadCount: 1), createdAt: 0)
        }
        #expect(error?.description.hasPrefix("record r3 has nan in f5;") == true)
    }
}

@Suite("Detector training refusals: a feature with no value")
struct DetectorEmptyFeatureTests {
    @Test("a feature missing in every training record is refused with its name, not given mean 0 and scale 1")
    func emptyFeature() {
        let records = SyntheticData.lowRank(rows: 20, seed: 1)
        var observed = Matrix(
            rows: records.count, cols: records.width,
            storage: [Float](repeating: 1, count: records.features.storage.count))
        for row in 0..<records.count { observed[row, 2] = 0 }
        let holed = RecordBatch(keys: records.keys, features: records.features, observed: observed)
        let error = #expect(throws: DetectorError.self) {
            try Detector.train(
                featureNames: SyntheticData.featureNames, on: holed, options: TrainedDetector.options(epochs: 1),
                pool: ThreadPool(threadCount: 1), createdAt: 0)
        }
        #expect(error?.code == .badData)
        #expect(
            error?.description.hasPrefix("feature f2 has no value in any of the 20 training records") == true,
            "\(String(describing: error))")
        // One observed value is enough to fit it.
        observed[7, 2] = 1
        let oneSeen = RecordBatch(keys: records.keys, features: records.features, observed: observed)
        #expect(throws: Never.self) {
            try Detector.train(
                featureNames: SyntheticData.featureNames, on: oneSeen, options: TrainedDetector.options(epochs: 1),
                pool: ThreadPool(threadCount: 1), createdAt: 0)
        }
    }
}
