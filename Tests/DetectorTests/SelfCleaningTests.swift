import Compute
import Detector
import TestSupport
import Testing
import VAE

/// Self-cleaning of a first training (``DetectorOptions/cleaningRounds``): the training records hold anomalies, as a
/// daemon's warm-up rows do; each round sets the highest-scoring aside, so the final model is shaped by the rest.
@Suite("Detector training: self-cleaning rounds")
struct SelfCleaningTests {
    /// 1,000 training records of which the last 100 are planted anomalies.
    static let contaminated = SyntheticData.lowRank(rows: 1_000, anomalies: 100, seed: 21)

    static func train(rounds: Int) throws -> DetectorTrainingResult {
        var options = TrainedDetector.options(epochs: 40)
        options.cleaningRounds = rounds
        return try Detector.train(
            featureNames: SyntheticData.featureNames, on: contaminated, options: options,
            pool: ThreadPool(threadCount: 2), createdAt: 0)
    }

    @Test("three rounds of 10% set aside 900 - 657 records, and rank fresh anomalies better than no cleaning")
    func cleaningHelps() throws {
        let plain = try Self.train(rounds: 0)
        let cleaned = try Self.train(rounds: 3)
        #expect(plain.setAside == 0)
        // The first fit holds 100 records out; they stay out of every round, and 900 are learned from.
        #expect(cleaned.heldOutRows.count == 100 && cleaned.heldOutRows == plain.heldOutRows)
        #expect(cleaned.setAside == 243, "810, 729, then 657 kept")
        // Epochs of every round in one history, numbered on from the first fit's.
        #expect(cleaned.history.map(\.epoch) == Array(1...cleaned.history.count))
        #expect(cleaned.history.count > plain.history.count)
        let test = SyntheticData.lowRank(rows: 1_000, anomalies: 100, seed: 22)
        let labels = (0..<1_000).map { $0 >= 900 }
        let pool = ThreadPool(threadCount: 2)
        let before = auroc(plain.detector.score(test, pool: pool).score, labels)
        let after = auroc(cleaned.detector.score(test, pool: pool).score, labels)
        print("self-cleaning on 10% planted anomalies: test AUROC \(before) without, \(after) with 3 rounds")
        #expect(after > before, "AUROC \(before) without cleaning, \(after) with")
        // The threshold is calibrated on every training record, as without cleaning: about 0.5% of them are flagged
        // (calibrated on the 657 kept, 0.995 would flag every record above their 99.5th percentile: over a quarter).
        let flagged = cleaned.detector.score(Self.contaminated, pool: pool).isAnomaly.filter { $0 }.count
        #expect((2...10).contains(flagged), "\(flagged) of 1,000 training records flagged")
    }

    @Test("cleaning options out of range are refused before any work")
    func refusals() {
        for (rounds, fraction) in [(-1, 0.1), (11, 0.1), (1, 0.0), (1, 0.5)] {
            var options = DetectorOptions()
            options.cleaningRounds = rounds
            options.cleaningFraction = fraction
            #expect(throws: DetectorError.self, "\(rounds) rounds of \(fraction)") { try options.validate() }
        }
        var options = DetectorOptions()
        // 100,000 records make 352 steps an epoch, so the epoch bound stays 100 per training.
        #expect(options.cleaningRounds == 0 && options.firstTrainingEpochs(records: 100_000) == 100)
        options.cleaningRounds = 3
        #expect(options.firstTrainingEpochs(records: 100_000) == 400)
    }
}
