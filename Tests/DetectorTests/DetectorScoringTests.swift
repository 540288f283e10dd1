import Compute
import Detector
import Testing
import VAE

@Suite("Detector.score")
struct DetectorScoringTests {
    @Test("verdicts are the network's scores on standardized records, compared with the threshold")
    func scoresAndThreshold() throws {
        let records = SmallDetector.records(rows: 300, seed: 1)
        let reference = try SmallDetector.model().score(
            FeatureScaler(statistics: SmallDetector.scaler).standardize(records).x)
        let threshold = ThresholdCalibration.quantile(reference.score, 0.5)
        let verdicts = try SmallDetector.detector(threshold: threshold).score(records)
        #expect(verdicts.count == 300)
        #expect(verdicts.score == reference.score && verdicts.recon == reference.recon && verdicts.kl == reference.kl)
        #expect(verdicts.isAnomaly == reference.score.map { $0 > threshold })
        #expect(verdicts.isAnomaly.filter { $0 }.count == 150)
        #expect(verdicts.threshold == threshold && verdicts.modelVersion == 3)
        #expect(verdicts.featureNames == SmallDetector.featureNames)
        #expect(
            verdicts.topCount == 3 && verdicts.topFeatureIndex.count == 900 && verdicts.topFeatureShare.count == 900)
        #expect(verdicts.missingCount == [Int](repeating: 0, count: 300))
    }

    @Test("top features: the largest shares, largest first, ties to the lower column, padded with −1")
    func topFeatures() throws {
        let records = SmallDetector.records(rows: 200, seed: 2)
        let detector = try SmallDetector.detector(topFeatureCount: 3)
        let verdicts = detector.score(records)
        let (x, _) = detector.scaler.standardize(records)
        let shares = detector.model.score(x).featureShares
        for i in 0..<200 {
            let expected = (0..<4).filter { shares[i, $0] > 0 }
                .sorted { (shares[i, $0], -$0) > (shares[i, $1], -$1) }
                .prefix(3)
            let index = verdicts.topFeatureIndex[(i * 3)..<(i * 3 + 3)]
            let share = verdicts.topFeatureShare[(i * 3)..<(i * 3 + 3)]
            #expect(Array(index) == expected.map { Int32($0) } + [Int32](repeating: -1, count: 3 - expected.count))
            #expect(Array(share) == expected.map { shares[i, $0] } + [Float](repeating: 0, count: 3 - expected.count))
        }
        let verdict = verdicts[0]
        #expect(verdict.topFeatures.map(\.index) == Array(verdicts.topFeatureIndex[0..<3]).map { Int($0) })
        #expect(verdict.topFeatures.allSatisfy { $0.name == SmallDetector.featureNames[$0.index] })
    }

    @Test("missing values are counted and get no share; a record with one observed value names only it")
    func missingValues() throws {
        let observed = Matrix(rows: 3, cols: 4, storage: [1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0])
        let verdicts = try SmallDetector.detector().score(SmallDetector.records(rows: 3, seed: 3, observed: observed))
        #expect(verdicts.missingCount == [0, 2, 3])
        #expect(!verdicts.topFeatureIndex[3..<6].contains(0) && !verdicts.topFeatureIndex[3..<6].contains(2))
        #expect(Array(verdicts.topFeatureIndex[6..<9]) == [2, -1, -1])
        #expect(Array(verdicts.topFeatureShare[6..<9]) == [1, 0, 0])
        #expect(verdicts[2].topFeatures.map(\.name) == ["disk"])
    }

    @Test("with all weights zero (x̂ = 0, score = ½ Σ x²): hand-computed verdicts, ties to the lower column")
    func handComputed() throws {
        let architecture = SmallDetector.architecture
        let model = try VAEModel(
            architecture: architecture, parameters: [Float](repeating: 0, count: architecture.parameterCount))
        var header = SmallDetector.header(threshold: 4.5)
        header.scaler = ScalerStatistics(mean: [0, 0, 0, 0], scale: [1, 1, 1, 1])
        let detector = try Detector(model: model, header: header)
        let records = RecordBatch(
            keys: ["tie", "zero", "all equal", "one"],
            features: Matrix(rows: 4, cols: 4, storage: [2, -1, 2, 0, 0, 0, 0, 0, 1, -1, 1, -1, 0, 0, 0, 3]))
        let verdicts = detector.score(records)
        func close(_ actual: [Float], _ expected: [Float]) -> Bool {
            actual.count == expected.count && zip(actual, expected).allSatisfy { abs($0 - $1) < 1e-5 }
        }
        #expect(close(verdicts.recon, [4.5, 0, 2, 4.5]))
        #expect(close(verdicts.kl, [0, 0, 0, 0]))
        #expect(verdicts.isAnomaly == verdicts.score.map { $0 > 4.5 })
        #expect(verdicts.topFeatureIndex == [0, 2, 1, -1, -1, -1, 0, 1, 2, 3, -1, -1])
        let third: Float = 1 / 9
        let expectedShares: [Float] = [4 * third, 4 * third, third, 0, 0, 0, 0.25, 0.25, 0.25, 1, 0, 0]
        #expect(close(verdicts.topFeatureShare, expectedShares))
    }

    @Test("extreme finite inputs give finite verdicts")
    func extremeInputs() throws {
        let big = Float.greatestFiniteMagnitude
        let records = RecordBatch(
            keys: ["a", "b", "c"],
            features: Matrix(
                rows: 3, cols: 4, storage: [3e38, -3e38, 3e38, -3e38, big, big, -big, 1, 1e-38, 0, -1e30, 5]))
        let verdicts = try SmallDetector.detector().score(records)
        for values in [verdicts.score, verdicts.recon, verdicts.kl, verdicts.topFeatureShare] {
            #expect(values.allSatisfy { $0.isFinite }, "\(values)")
        }
        #expect(verdicts.isAnomaly == [true, true, true])
    }

    @Test("scoring on a pool gives the same verdicts as on the calling thread")
    func pool() throws {
        var mask = Matrix(rows: 5_000, cols: 4, repeating: 1)
        for i in stride(from: 0, to: 5_000, by: 7) { mask[i, i % 4] = 0 }
        let records = SmallDetector.records(rows: 5_000, seed: 5, observed: mask)
        let detector = try SmallDetector.detector()
        #expect(detector.score(records, pool: ThreadPool(threadCount: 3)) == detector.score(records))
        #expect(detector.score(SmallDetector.records(rows: 0, seed: 6)).count == 0)
    }
}
