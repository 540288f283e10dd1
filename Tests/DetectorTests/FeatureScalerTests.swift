import Compute
import Detector
import Testing
import VAE

@Suite("FeatureScaler")
struct FeatureScalerTests {
    func batch(_ rows: [[Float]], observed: [[Float]]? = nil) -> RecordBatch {
        let d = rows[0].count
        return RecordBatch(
            keys: rows.indices.map { "k\($0)" },
            features: Matrix(rows: rows.count, cols: d, storage: rows.flatMap { $0 }),
            observed: observed.map { Matrix(rows: rows.count, cols: d, storage: $0.flatMap { $0 }) })
    }

    func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5) {
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) {
            #expect(abs(a - e) <= tolerance * max(1, abs(e)), "\(actual) ≠ \(expected)")
        }
    }

    @Test("fit gives the population mean and standard deviation of each feature")
    func fitAllObserved() {
        // Feature 0: 1, 2, 3, 4 → mean 2.5, variance 1.25. Feature 1: 10, 10, 20, 40 → mean 20, variance 150.
        let scaler = FeatureScaler.fit(batch([[1, 10], [2, 10], [3, 20], [4, 40]]))
        expectClose(scaler.statistics.mean, [2.5, 20])
        expectClose(scaler.statistics.scale, [Float(1.25).squareRoot(), Float(150).squareRoot()])
    }

    @Test("fit uses observed values only; a feature never observed gets mean 0 and scale 1")
    func fitWithMissing() {
        // Feature 0 observed at 2, 4, (missing 1000), 6 → mean 4, variance 8/3. Feature 1 never observed.
        let scaler = FeatureScaler.fit(
            batch(
                [[2, 5], [4, 5], [1_000, 5], [6, 5]],
                observed: [[1, 0], [1, 0], [0, 0], [1, 0]]))
        expectClose(scaler.statistics.mean, [4, 0])
        expectClose(scaler.statistics.scale, [Float(8.0 / 3).squareRoot(), 1])
    }

    @Test("a constant feature keeps its mean and gets scale 1, so deviations are in raw units")
    func constantFeature() {
        let scaler = FeatureScaler.fit(batch([[7, 1e6], [7, 1e6 + 0.5], [7, 1e6]]))
        expectClose(scaler.statistics.mean, [7, 1e6 + 0.5 / 3], tolerance: 1e-7)
        // Feature 1 varies by 0.24 around 1e6: below 1e-6 × 1e6 = 1, so it counts as constant too.
        #expect(scaler.statistics.scale == [1, 1])
        let (x, mask) = scaler.standardize(batch([[9, 1e6]]))
        #expect(abs(x[0, 0] - 2) < 1e-6)
        #expect(mask == nil)
    }

    @Test("a sparse feature is scaled by half its tail spread, so its usual rare values stay a few scales away")
    func sparseFeatureFloor() {
        // 95 zeros and 5 tens: σ = 10·√(0.05·0.95) ≈ 2.18, but the 99th percentile is 10 and the median 0, so the
        // scale is 10 / 2 = 5 and a ten standardizes to 1.9 rather than 4.4.
        let rows: [[Float]] = Array(repeating: [0], count: 95) + Array(repeating: [10], count: 5)
        let scaler = FeatureScaler.fit(batch(rows))
        expectClose(scaler.statistics.mean, [0.5])
        expectClose(scaler.statistics.scale, [5])
        let (x, _) = scaler.standardize(batch([[10]]))
        expectClose(x.storage, [1.9])
    }

    @Test("one value beyond the 99th percentile leaves σ as the scale; the lower tail counts like the upper")
    func tailSpreadSides() {
        // Feature 0: 199 zeros and one 1,000 above the 99th percentile: the spread is 0 and σ ≈ 70.5 stays.
        // Feature 1: 180 sixteens and 20 zeros (a lower tail): the spread is 16 − 0, so the scale is 8 > σ = 4.8.
        let rows: [[Float]] = (0..<200).map { i in [i == 0 ? 1_000 : 0, i < 20 ? 0 : 16] }
        let scaler = FeatureScaler.fit(batch(rows))
        expectClose(scaler.statistics.scale, [Float((0.005 * 0.995).squareRoot() * 1_000), 8])
    }

    @Test("standardize: (x − mean) / scale, 0 and mask 0 where missing")
    func standardize() {
        let scaler = FeatureScaler(statistics: ScalerStatistics(mean: [1, -2, 0], scale: [2, 0.5, 4]))
        let observed: [[Float]] = [[1, 1, 1], [0, 1, 0]]
        let (x, mask) = scaler.standardize(batch([[3, -1, 8], [99, -3, 99]], observed: observed))
        expectClose(x.storage, [1, 2, 2, 0, -2, 0])
        #expect(mask?.storage == observed.flatMap { $0 })
    }

    @Test("an extreme finite input is clamped to ±10,000 standard deviations, never ±∞")
    func clamp() {
        let scaler = FeatureScaler(statistics: ScalerStatistics(mean: [0, 0, -3e38], scale: [1, 1e-3, 1]))
        let (x, _) = scaler.standardize(batch([[3e38, -3e38, 3e38], [5, -50, -3e38]]))
        #expect(x.storage == [1e4, -1e4, 1e4, 5, -1e4, 0])
    }
}

@Suite("FeatureScaler: features in tiny units")
struct FeatureScalerTinyUnitsTests {
    /// 400 records: feature 0 is 1e-7 ± 2e-8 (a value in tiny units), features 1–3 ordinary noise, 4 constant.
    static func records(seed: UInt64) -> RecordBatch {
        var random = SeededGenerator(seed: seed)
        var values: [Float] = []
        for _ in 0..<400 {
            values.append(1e-7 + 2e-8 * Float.random(in: -1.7...1.7, using: &random))
            for _ in 0..<3 { values.append(Float.random(in: -1...1, using: &random)) }
            values.append(5)
        }
        return RecordBatch(
            keys: (0..<400).map { "r\($0)" }, features: Matrix(rows: 400, cols: 5, storage: values))
    }

    @Test("a spread of 2e-8 around 1e-7 is scaled by that spread, not by 1; a truly constant feature is named")
    func tinySpread() {
        let batch = Self.records(seed: 3)
        let scaler = FeatureScaler.fit(batch)
        #expect(scaler.statistics.scale[0] > 1e-8 && scaler.statistics.scale[0] < 1e-7, "\(scaler.statistics.scale)")
        #expect(scaler.statistics.scale[4] == 1)
        #expect(FeatureScaler.constantColumns(of: batch) == [4])
    }

    @Test("a record 50,000 spreads out in the tiny feature is flagged, and training names the constant feature")
    func tinySpreadFlagged() throws {
        let names = ["tiny", "a", "b", "c", "flat"]
        let result = try Detector.train(
            featureNames: names, on: Self.records(seed: 5), options: TrainedDetector.options(epochs: 20),
            pool: ThreadPool(threadCount: 1), createdAt: 0)
        #expect(result.constantFeatures == ["flat"])
        #expect(
            result.constantFeatureNote
                == "feature flat is constant in the training records: it cannot explain an anomaly")
        var probe = Self.records(seed: 7).prefix(2)
        probe.features[1, 0] = 1e-7 + 50_000 * 2e-8
        let verdicts = result.detector.score(probe, pool: ThreadPool(threadCount: 1))
        print(
            "tiny feature: normal \(verdicts.score[0]), far out \(verdicts.score[1]), threshold \(verdicts.threshold)")
        #expect(verdicts.isAnomaly[1], "score \(verdicts.score[1]) against threshold \(verdicts.threshold)")
        #expect(!verdicts.isAnomaly[0])
    }
}
