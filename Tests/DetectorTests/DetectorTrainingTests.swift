import Compute
import TestSupport
import Detector
import Testing
import VAE

@Suite("Detector training")
struct DetectorTrainingTests {
    @Test("training flags about 1 − quantile of its own records and separates planted anomalies")
    func calibratesAndSeparates() throws {
        let result = try TrainedDetector.result.get()
        let detector = result.detector
        let flagged = detector.score(TrainedDetector.records).isAnomaly.filter { $0 }.count
        let fraction = Double(flagged) / Double(TrainedDetector.records.count)
        #expect(fraction >= 0.002 && fraction <= 0.01, "flagged \(fraction) of the training records")

        let test = SyntheticData.lowRank(rows: 1_100, anomalies: 100, seed: 12)
        let labels = (0..<1_100).map { $0 >= 1_000 }
        let verdicts = detector.score(test, pool: ThreadPool(threadCount: 2))
        let area = TestSupport.auroc(verdicts.score, labels)
        #expect(area > 0.9, "AUROC \(area)")
        // The floor any trained model must beat: the squared distance to the training mean, blind to planted rows
        // whose every feature value is ordinary.
        let (x, _) = detector.scaler.standardize(test)
        let distance = (0..<x.rows).map { i in x.row(i).reduce(Float(0)) { $0 + $1 * $1 } }
        let floor = TestSupport.auroc(distance, labels)
        #expect(area > floor + 0.2, "AUROC \(area) vs distance-to-mean \(floor)")
    }

    @Test("the header records the features, network, scaler, threshold, training, seed, time and version 1")
    func header() throws {
        let result = try TrainedDetector.result.get()
        let header = result.detector.header
        #expect(header.featureNames == SyntheticData.featureNames)
        #expect(header.architecture == TrainedDetector.options().architecture(inputWidth: 8))
        #expect(header.scaler == FeatureScaler.fit(TrainedDetector.records).statistics)
        #expect(header.threshold == result.detector.threshold)
        #expect(header.training == result.summary)
        #expect(header.seed == 5 && header.createdAt == 1_700_000_000 && header.version == 1)
        #expect(result.history.count == result.summary.epochs)
        #expect(result.summary.trainingRows + result.summary.validationRows == 4_000)
    }

    @Test("same records, seed and thread count: the same detector; another seed: another")
    func deterministic() throws {
        let records = SyntheticData.lowRank(rows: 500, seed: 13)
        func train(seed: UInt64) throws -> Detector {
            try Detector.train(
                featureNames: SyntheticData.featureNames, on: records,
                options: TrainedDetector.options(epochs: 2, seed: seed),
                pool: ThreadPool(threadCount: 2), createdAt: 1
            ).detector
        }
        let first = try train(seed: 1)
        let second = try train(seed: 1)
        #expect(first.model == second.model && first.header == second.header)
        #expect(first.model != (try train(seed: 2)).model)
    }

    @Test("a retrain warm-starts, keeps the network and scaler, recalibrates the threshold and bumps the version")
    func retrain() throws {
        let base = try TrainedDetector.result.get().detector
        // Newer records spread wider along the manifold: still normal in shape, but they score differently.
        var newer = SyntheticData.lowRank(rows: 800, seed: 14)
        let mean = base.scaler.statistics.mean
        for i in 0..<800 {
            for j in 0..<8 { newer.features[i, j] = mean[j] + 1.5 * (newer.features[i, j] - mean[j]) }
        }
        var epochs: [Int] = []
        let result = try base.retrained(
            on: newer, options: TrainedDetector.options(epochs: 2), pool: ThreadPool(threadCount: 2),
            createdAt: 1_700_000_600
        ) { report in
            epochs.append(report.epoch)
            return .proceed
        }
        let retrained = result.detector
        #expect(epochs == [1, 2])
        #expect(retrained.version == base.version + 1)
        #expect(retrained.scaler == base.scaler)
        #expect(retrained.model.architecture == base.model.architecture)
        #expect(retrained.model != base.model)
        #expect(retrained.threshold != base.threshold)
        let scores = retrained.score(newer).score
        #expect(retrained.threshold == ThresholdCalibration.quantile(scores, 0.995))
        #expect(retrained.header.createdAt == 1_700_000_600 && retrained.featureNames == base.featureNames)
    }

    @Test("a retrain starts from the current weights: with a tiny learning rate they barely move")
    func warmStart() throws {
        let base = try TrainedDetector.result.get().detector
        var options = TrainedDetector.options(epochs: 1)
        options.training.learningRate = 1e-6
        let retrained = try base.retrained(
            on: SyntheticData.lowRank(rows: 300, seed: 16), options: options, pool: ThreadPool(threadCount: 1),
            createdAt: 0
        ).detector
        let moved = zip(retrained.model.parameters, base.model.parameters).map { abs($0 - $1) }.max() ?? 0
        #expect(moved > 0 && moved < 1e-3, "largest weight change \(moved)")
    }

    @Test("a retrain refuses another network or records of another width")
    func retrainRefusals() throws {
        let base = try TrainedDetector.result.get().detector
        var wider = TrainedDetector.options(epochs: 1)
        wider.latentWidth = 3
        let records = SyntheticData.lowRank(rows: 50, seed: 15)
        #expect(throws: DetectorError.self) {
            try base.retrained(on: records, options: wider, pool: ThreadPool(threadCount: 1), createdAt: 0)
        }
        let narrow = RecordBatch(keys: ["a"], features: Matrix(rows: 1, cols: 3))
        let error = #expect(throws: DetectorError.self) {
            try base.retrained(
                on: narrow, options: TrainedDetector.options(epochs: 1), pool: ThreadPool(threadCount: 1), createdAt: 0)
        }
        #expect(error?.code == .badData)
    }
}
