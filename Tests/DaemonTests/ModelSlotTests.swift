import Compute
import Daemon
import Detector
import Testing
import VAE

/// The model slot's moving extreme-value threshold: what the PostgreSQL workers call after each commit.
@Suite("ModelSlot.moveThreshold")
struct ModelSlotTests {
    /// A small detector on 600 seeded 4-feature records, its threshold set for a false-alarm rate of 1e-2 (peaks
    /// over threshold), or at the default quantile with `rate` nil.
    static func detector(rate: Double?) throws -> Detector {
        var generator = SeededGenerator(seed: 5)
        let rows = 600
        let features = Matrix(rows: rows, cols: 4) { _, _ in NormalSampler.next(&generator) }
        var options = DetectorOptions()
        options.hiddenWidths = [8]
        options.latentWidth = 2
        options.training.epochs = 5
        options.training.minimumSteps = 0
        options.thresholdRate = rate
        return try Detector.train(
            featureNames: ["a", "b", "c", "d"], on: RecordBatch(keys: (0..<rows).map(String.init), features: features),
            options: options, pool: ThreadPool(threadCount: 1), createdAt: 1_700_000_000
        ).detector
    }

    @Test("a batch scored by the model in use moves its threshold as Detector.updatingThreshold does")
    func movesTheModelInUse() throws {
        let trained = try Self.detector(rate: 1e-2)
        let slot = ModelSlot()
        slot.replace(with: trained)
        // Scores between the peak threshold t and the threshold: peaks that refit the tail.
        let tail = try #require(trained.extremeValueThreshold)
        let t = tail.peakThreshold
        let scores = (0..<2_000).map { t + (trained.threshold - t) * Float($0 % 100) / 100 }
        let returned = slot.moveThreshold(with: scores, scoredBy: trained.version)
        let moved = try #require(slot.detector)
        let expected = trained.updatingThreshold(with: scores)
        #expect(moved.threshold == expected.threshold)
        #expect(returned == moved.threshold, "the move returns the threshold now in use")
        #expect(moved.threshold != trained.threshold, "a batch of 2,000 peaks refits the tail")
        #expect(moved.extremeValueThreshold?.recordCount == tail.recordCount + scores.count)
        #expect(moved.version == trained.version)
    }

    @Test("a batch scored by another version, or a quantile threshold, moves nothing")
    func leavesOtherModelsAlone() throws {
        let trained = try Self.detector(rate: 1e-2)
        let slot = ModelSlot()
        slot.replace(with: trained)
        let other = slot.moveThreshold(
            with: [Float](repeating: trained.threshold * 0.9, count: 500), scoredBy: trained.version + 1)
        #expect(slot.detector === trained)
        #expect(other == nil)

        let quantile = try Self.detector(rate: nil)
        slot.replace(with: quantile)
        let fixed = slot.moveThreshold(
            with: [Float](repeating: quantile.threshold * 0.9, count: 500), scoredBy: quantile.version)
        #expect(slot.detector === quantile)
        #expect(fixed == nil)
    }

    @Test("moves from several threads at once are all counted")
    func concurrentMovesAreNotLost() throws {
        let trained = try Self.detector(rate: 1e-2)
        let start = try #require(trained.extremeValueThreshold).recordCount
        let slot = ModelSlot()
        slot.replace(with: trained)
        // Zeros lie at or below any threshold and below t: each batch adds exactly its size to the record count,
        // whatever the order, so a lost update shows in the total.
        let batch = [Float](repeating: 0, count: 100)
        let threads = (0..<4).map { _ in
            BackgroundThread {
                for _ in 0..<50 { slot.moveThreshold(with: batch, scoredBy: trained.version) }
            }
        }
        for thread in threads { thread.join() }
        let moved = try #require(slot.detector?.extremeValueThreshold)
        #expect(moved.recordCount == start + 4 * 50 * batch.count)
    }
}
