import Compute
import Detector
import Testing

@Suite("TrainingWindow")
struct TrainingWindowTests {
    /// Records whose single value in each of 2 features is their number, keyed "n<number>".
    func records(_ numbers: [Int], missingIn: Set<Int> = []) -> RecordBatch {
        RecordBatch(
            keys: numbers.map { "n\($0)" },
            features: Matrix(rows: numbers.count, cols: 2, storage: numbers.flatMap { [Float($0), Float(-$0)] }),
            observed: missingIn.isEmpty
                ? nil
                : Matrix(
                    rows: numbers.count, cols: 2,
                    storage: numbers.flatMap { missingIn.contains($0) ? [1, 0] : [1, 1] }))
    }

    func verdicts(anomalies: [Bool]) -> Verdicts {
        let n = anomalies.count
        let zeros = [Float](repeating: 0, count: n)
        return Verdicts(
            score: zeros, recon: zeros, kl: zeros, isAnomaly: anomalies, missingCount: [Int](repeating: 0, count: n),
            topFeatureIndex: [Int32](repeating: -1, count: n), topFeatureShare: zeros, topCount: 1, threshold: 1,
            modelVersion: 1, featureNames: ["a", "b"])
    }

    /// Offers every record of `batch` as normal.
    func offerNormal(_ batch: RecordBatch, to window: inout TrainingWindow) {
        window.offer(batch, verdicts: verdicts(anomalies: [Bool](repeating: false, count: batch.count)))
    }

    @Test("records flagged as anomalies stay out")
    func keepsAnomaliesOut() {
        var window = TrainingWindow(capacity: 10, width: 2)
        window.offer(records([1, 2, 3, 4]), verdicts: verdicts(anomalies: [false, true, false, true]))
        #expect(window.count == 2)
        #expect(window.totalOffered == 4 && window.totalAccepted == 2)
        #expect(window.snapshot().keys == ["n1", "n3"])
        #expect(window.snapshot().features.storage == [1, -1, 3, -3])
    }

    @Test("when full, the oldest records go first; the snapshot runs oldest to newest")
    func evictsOldest() {
        var window = TrainingWindow(capacity: 3, width: 2)
        offerNormal(records([1, 2]), to: &window)
        #expect(window.snapshot().keys == ["n1", "n2"])
        offerNormal(records([3, 4, 5, 6, 7]), to: &window)
        #expect(window.count == 3 && window.capacity == 3)
        #expect(window.totalOffered == 7 && window.totalAccepted == 7)
        let snapshot = window.snapshot()
        #expect(snapshot.keys == ["n5", "n6", "n7"])
        #expect(snapshot.features.storage == [5, -5, 6, -6, 7, -7])
        window.offer(records([8]), verdicts: verdicts(anomalies: [false]))
        #expect(window.snapshot().keys == ["n6", "n7", "n8"])
        #expect(window.snapshot().features.storage == [6, -6, 7, -7, 8, -8])
    }

    @Test("the observed mask follows its records and is nil once no record held has a missing value")
    func observedMask() {
        var window = TrainingWindow(capacity: 2, width: 2)
        offerNormal(records([1, 2], missingIn: [2]), to: &window)
        #expect(window.snapshot().observed?.storage == [1, 1, 1, 0])
        offerNormal(records([3]), to: &window)
        #expect(window.snapshot().observed?.storage == [1, 0, 1, 1])
        offerNormal(records([4]), to: &window)
        #expect(window.snapshot().observed == nil)
        #expect(window.snapshot().keys == ["n3", "n4"])
    }

    @Test("an empty window gives an empty batch")
    func empty() {
        let snapshot = TrainingWindow(capacity: 4, width: 2).snapshot()
        #expect(snapshot.count == 0 && snapshot.width == 2 && snapshot.observed == nil)
    }
}
