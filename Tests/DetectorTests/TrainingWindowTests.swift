import Compute
import Detector
import Testing

@Suite("TrainingWindow")
struct TrainingWindowTests {
    /// Records whose single value in each of 2 features is their number, keyed "n<number>"; `missingIn` numbers
    /// have their second feature missing (value `missingValue`).
    func records(_ numbers: [Int], missingIn: Set<Int> = [], missingValue: Float = 0) -> RecordBatch {
        RecordBatch(
            keys: numbers.map { "n\($0)" },
            features: Matrix(
                rows: numbers.count, cols: 2,
                storage: numbers.flatMap { [Float($0), missingIn.contains($0) ? missingValue : Float(-$0)] }),
            observed: missingIn.isEmpty
                ? nil
                : Matrix(
                    rows: numbers.count, cols: 2,
                    storage: numbers.flatMap { missingIn.contains($0) ? [1, 0] : [1, 1] }))
    }

    /// `batch` with keys `<tag>0`, `<tag>1`, …: records of the same values under other keys (a record under its own
    /// key and values enters once, see ``recordEntersOnce()``).
    func relabeled(_ batch: RecordBatch, _ tag: String) -> RecordBatch {
        RecordBatch(keys: batch.keys.indices.map { "\(tag)\($0)" }, features: batch.features, observed: batch.observed)
    }

    /// Verdicts with the given scores against `threshold` (a record is flagged when its score is above it).
    func verdicts(scores: [Float], threshold: Float = 2, version: Int = 1) -> Verdicts {
        let n = scores.count
        let zeros = [Float](repeating: 0, count: n)
        return Verdicts(
            score: scores, recon: scores, kl: zeros, isAnomaly: scores.map { $0 > threshold },
            missingCount: [Int](repeating: 0, count: n), topFeatureIndex: [Int32](repeating: -1, count: n),
            topFeatureShare: zeros, topCount: 1, threshold: threshold, modelVersion: version,
            featureNames: ["a", "b"])
    }

    /// Verdicts that call every record of `batch` normal (score 1 against threshold 2).
    func normal(_ batch: RecordBatch, version: Int = 1) -> Verdicts {
        verdicts(scores: [Float](repeating: 1, count: batch.count), version: version)
    }

    /// Offers 100 normal records numbered from 1,000, scored 1 against threshold 2: afterwards the recent scores
    /// have median 1 and MAD 0, so the tail band reaches 2 + 1 × (2 − 1) = 3.
    func prime(_ window: inout TrainingWindow, version: Int = 1) {
        let batch = records(Array(1_000..<1_100))
        window.offer(batch, verdicts: normal(batch, version: version))
    }

    /// A policy whose recent span is `span` records.
    func policy(span: Int = 200, forgets: Bool = true) -> AdmissionPolicy {
        var policy = AdmissionPolicy()
        policy.recentSpan = span
        policy.forgetsOnRegimeChange = forgets
        return policy
    }

    @Test("records called normal enter; flagged ones stay out until 100 scores of the model in use are seen")
    func flaggedNeedScores() {
        var window = TrainingWindow(capacity: 1_000, width: 2)
        window.offer(records([1, 2, 3, 4]), verdicts: verdicts(scores: [1, 2.5, 1, 2.5]))
        #expect(window.count == 2)
        #expect(window.totalOffered == 4 && window.totalAccepted == 2)
        #expect(window.refusedOutside == 2 && window.flaggedAccepted == 0)
        #expect(window.snapshot().keys == ["n1", "n3"])
        #expect(window.snapshot().features.storage == [1, -1, 3, -3])
        prime(&window)
        window.offer(records([5]), verdicts: verdicts(scores: [2.5]))
        #expect(window.flaggedAccepted == 1 && window.snapshot().keys.last == "n5")
    }

    @Test("outside a regime change a flagged record enters up to threshold + (threshold − median), not above")
    func tailBand() {
        var window = TrainingWindow(capacity: 1_000, width: 2, policy: policy())
        prime(&window)
        window.offer(records([1, 2, 3]), verdicts: verdicts(scores: [2.9, 3, 3.1]))
        #expect(window.snapshot().keys.suffix(2) == ["n1", "n2"])
        #expect(window.flaggedAccepted == 2 && window.refusedOutside == 1)
        var wide = policy()
        wide.tailWidth = 2
        var wider = TrainingWindow(capacity: 1_000, width: 2, policy: wide)
        prime(&wider)
        wider.offer(records([1, 2]), verdicts: verdicts(scores: [3.9, 4.1]))
        #expect(wider.flaggedAccepted == 1 && wider.refusedOutside == 1)
    }

    @Test("a new model's scores start the reference over: its flagged records wait for 100 of them")
    func newModelStartsOver() {
        var window = TrainingWindow(capacity: 1_000, width: 2, policy: policy())
        prime(&window)
        window.offer(records([1]), verdicts: verdicts(scores: [2.5], version: 2))
        #expect(window.flaggedAccepted == 0 && window.refusedOutside == 1)
        prime(&window, version: 2)
        window.offer(records([2]), verdicts: verdicts(scores: [2.5], version: 2))
        #expect(window.flaggedAccepted == 1)
    }

    @Test("a flagged record identical to one held stays out; records called normal may repeat")
    func duplicates() {
        var window = TrainingWindow(capacity: 1_000, width: 2, policy: policy())
        prime(&window)
        window.offer(relabeled(records([7, 7, 7]), "a"), verdicts: verdicts(scores: [2.5, 2.5, 2.5]))
        #expect(window.flaggedAccepted == 1 && window.refusedDuplicates == 2)
        // Same values as a primed record.
        window.offer(relabeled(records([1_000]), "b"), verdicts: verdicts(scores: [2.5]))
        #expect(window.refusedDuplicates == 3)
        window.offer(relabeled(records([8, 8]), "n8-"), verdicts: verdicts(scores: [1, 1]))
        window.offer(relabeled(records([8]), "c"), verdicts: verdicts(scores: [2.5]))
        #expect(window.snapshot().keys.filter { $0.hasPrefix("n8-") }.count == 2 && window.refusedDuplicates == 4)
        // -0 equals 0.
        let negativeZero = RecordBatch(keys: ["z"], features: Matrix(rows: 1, cols: 2, storage: [-0.0, 0]))
        window.offer(records([0]), verdicts: verdicts(scores: [2.5]))
        window.offer(negativeZero, verdicts: verdicts(scores: [2.5]))
        #expect(window.refusedDuplicates == 5 && window.count == 100 + 1 + 2 + 1)
    }

    @Test("missing values count in identity: their placeholder does not, observed versus missing does")
    func duplicatesWithMissingValues() {
        var window = TrainingWindow(capacity: 1_000, width: 2, policy: policy())
        prime(&window)
        window.offer(records([5], missingIn: [5]), verdicts: verdicts(scores: [2.5]))
        window.offer(relabeled(records([5], missingIn: [5], missingValue: 42), "d"), verdicts: verdicts(scores: [2.5]))
        #expect(window.refusedDuplicates == 1)
        // Observed 0 is not missing.
        let observedZero = RecordBatch(keys: ["o"], features: Matrix(rows: 1, cols: 2, storage: [5, 0]))
        window.offer(observedZero, verdicts: verdicts(scores: [2.5]))
        #expect(window.refusedDuplicates == 1 && window.flaggedAccepted == 2)
        #expect(window.snapshot().observed?.storage.suffix(4) == [1, 0, 1, 1])
    }

    @Test("an evicted record no longer blocks an identical flagged one")
    func duplicateAfterEviction() {
        var window = TrainingWindow(capacity: 100, width: 2, policy: policy())
        prime(&window)  // Full: records 1,000..<1,100.
        window.offer(relabeled(records([1_000]), "e"), verdicts: verdicts(scores: [2.5]))
        #expect(window.refusedDuplicates == 1)
        window.offer(records([1]), verdicts: verdicts(scores: [1]))  // Evicts 1,000.
        window.offer(relabeled(records([1_000]), "f"), verdicts: verdicts(scores: [2.5]))
        #expect(window.refusedDuplicates == 1 && window.snapshot().keys.last == "f0")
        #expect(window.count == 100)
    }

    @Test("values or scores that are not finite keep a record out; a missing value may hold anything")
    func invalid() {
        var window = TrainingWindow(capacity: 1_000, width: 2, policy: policy())
        let batch = RecordBatch(
            keys: ["nan", "inf", "missing-nan", "score"],
            features: Matrix(rows: 4, cols: 2, storage: [.nan, 1, 1, .infinity, 2, .nan, 3, 3]),
            observed: Matrix(rows: 4, cols: 2, storage: [1, 1, 1, 1, 1, 0, 1, 1]))
        window.offer(batch, verdicts: verdicts(scores: [1, 1, 1, .nan]))
        #expect(window.snapshot().keys == ["missing-nan"])
        #expect(window.refusedInvalid == 3 && window.totalOffered == 4)
        #expect(window.snapshot().features.storage == [2, 0])  // A missing value is held as 0, as batches hold it.
        #expect(window.snapshot().observed?.storage == [1, 0])
    }

    @Test("over half of the recent records flagged: a regime change, a fresh window, a fence at median + 10 MAD")
    func regimeChange() {
        var window = TrainingWindow(capacity: 1_000, width: 2, policy: policy(span: 100))
        prime(&window)
        #expect(window.count == 100 && !window.isInRegimeChange)
        // 50 flagged of the last 100 is not more than half; outside a regime change these are far above the band.
        let first = Array(1...50)
        window.offer(records(first), verdicts: verdicts(scores: first.map { _ in 30 }))
        #expect(!window.isInRegimeChange && window.regimeChanges == 0 && window.recentFlaggedFraction == 0.5)
        #expect(window.refusedOutside == 50 && window.count == 100)
        // 100 of 100: a regime change. The recent scores are then these: 49 at 9, two at 10, 47 at 11, 19.9 and
        // 20.1, so the median is 10, the MAD 1 and the fence 20.
        let second = Array(51...150)
        let scores: [Float] =
            [Float](repeating: 9, count: 49) + [10, 10] + [Float](repeating: 11, count: 47) + [19.9, 20.1]
        window.offer(records(second), verdicts: verdicts(scores: scores))
        #expect(window.isInRegimeChange && window.regimeChanges == 1)
        #expect(window.count == 99 && window.snapshot().keys.first == "n51" && window.snapshot().keys.last == "n149")
        #expect(window.refusedOutside == 51 && window.flaggedAccepted == 99)
        // Normal traffic again: once half the span or less is flagged, the regime change is over.
        let calm = Array(200..<300)
        window.offer(records(calm), verdicts: normal(records(calm)))
        #expect(!window.isInRegimeChange && window.regimeChanges == 1 && window.count == 199)
    }

    @Test("a regime change ends when half its level or less of the recent records are flagged, not before")
    func regimeChangeHysteresis() {
        var window = TrainingWindow(capacity: 1_000, width: 2, policy: policy(span: 100))
        prime(&window)
        let flagged = Array(1...51)
        window.offer(records(flagged), verdicts: verdicts(scores: flagged.map { _ in 9 }))
        #expect(window.isInRegimeChange && window.regimeChanges == 1)
        // 49 normal records push out the primed ones, 21 more push out flagged ones: 30 of 100 are left.
        let calm = Array(200..<270)
        window.offer(records(calm), verdicts: normal(records(calm)))
        #expect(window.isInRegimeChange && window.recentFlaggedFraction == 0.3)
        let calmer = Array(300..<305)
        window.offer(records(calmer), verdicts: normal(records(calmer)))
        #expect(!window.isInRegimeChange && window.recentFlaggedFraction == 0.25)
        // Over half again: a second regime change, which starts the window over again.
        let again = Array(400...450)
        window.offer(records(again), verdicts: verdicts(scores: again.map { _ in 9 }))
        #expect(window.isInRegimeChange && window.regimeChanges == 2 && window.count == 51)
    }

    @Test("with forgetting off, a regime change keeps the records held")
    func regimeChangeWithoutForgetting() {
        var window = TrainingWindow(capacity: 1_000, width: 2, policy: policy(span: 100, forgets: false))
        prime(&window)
        let flagged = Array(1..<52)
        window.offer(records(flagged), verdicts: verdicts(scores: flagged.map { _ in 9 }))
        #expect(window.isInRegimeChange && window.regimeChanges == 1)
        #expect(window.count == 100 + 51 && window.flaggedAccepted == 51)
    }

    @Test("when full, the oldest records go first; the snapshot runs oldest to newest")
    func evictsOldest() {
        var window = TrainingWindow(capacity: 3, width: 2)
        window.offer(records([1, 2]), verdicts: normal(records([1, 2])))
        #expect(window.snapshot().keys == ["n1", "n2"])
        window.offer(records([3, 4, 5, 6, 7]), verdicts: normal(records([3, 4, 5, 6, 7])))
        #expect(window.count == 3 && window.capacity == 3)
        #expect(window.totalOffered == 7 && window.totalAccepted == 7)
        let snapshot = window.snapshot()
        #expect(snapshot.keys == ["n5", "n6", "n7"])
        #expect(snapshot.features.storage == [5, -5, 6, -6, 7, -7])
        window.offer(records([8]), verdicts: normal(records([8])))
        #expect(window.snapshot().keys == ["n6", "n7", "n8"])
        #expect(window.snapshot().features.storage == [6, -6, 7, -7, 8, -8])
    }

    @Test("a record enters once: the same key with the same values offered again is refused; other values are not")
    func recordEntersOnce() {
        var window = TrainingWindow(capacity: 10, width: 2)
        window.offer(records([1, 2, 3]), verdicts: normal(records([1, 2, 3])))
        // A backfill scores the same rows again.
        window.offer(records([1, 2, 3]), verdicts: normal(records([1, 2, 3])))
        #expect(window.count == 3 && window.refusedHeld == 3)
        #expect(window.snapshot().keys == ["n1", "n2", "n3"])
        // The same key with other values (a key that repeats, such as a host name) is another record.
        let moved = RecordBatch(keys: ["n1"], features: Matrix(rows: 1, cols: 2, storage: [1, 5]))
        window.offer(moved, verdicts: normal(moved))
        #expect(window.count == 4 && window.refusedHeld == 3)
        // Once evicted, a record may enter again.
        var small = TrainingWindow(capacity: 2, width: 2)
        small.offer(records([1, 2, 3]), verdicts: normal(records([1, 2, 3])))
        small.offer(records([1]), verdicts: normal(records([1])))
        #expect(small.snapshot().keys == ["n3", "n1"] && small.refusedHeld == 0)
    }

    @Test("a window of one record keeps the newest")
    func capacityOne() {
        var window = TrainingWindow(capacity: 1, width: 2)
        window.offer(records([1, 2, 3]), verdicts: normal(records([1, 2, 3])))
        #expect(window.snapshot().keys == ["n3"] && window.count == 1)
    }

    @Test("the observed mask follows its records and is nil once no record held has a missing value")
    func observedMask() {
        var window = TrainingWindow(capacity: 2, width: 2)
        window.offer(records([1, 2], missingIn: [2]), verdicts: normal(records([1, 2])))
        #expect(window.snapshot().observed?.storage == [1, 1, 1, 0])
        window.offer(records([3]), verdicts: normal(records([3])))
        #expect(window.snapshot().observed?.storage == [1, 0, 1, 1])
        window.offer(records([4]), verdicts: normal(records([4])))
        #expect(window.snapshot().observed == nil)
        #expect(window.snapshot().keys == ["n3", "n4"])
    }

    @Test("an empty window gives an empty batch")
    func empty() {
        let snapshot = TrainingWindow(capacity: 4, width: 2).snapshot()
        #expect(snapshot.count == 0 && snapshot.width == 2 && snapshot.observed == nil)
    }

    @Test("each bad admission setting is refused with its name")
    func validation() throws {
        try AdmissionPolicy().validate()
        var settings: [(AdmissionPolicy, String)] = []
        var policy = AdmissionPolicy()
        policy.recentSpan = 0
        settings.append((policy, "recent span"))
        policy = AdmissionPolicy()
        policy.tailWidth = -1
        settings.append((policy, "tail width"))
        policy = AdmissionPolicy()
        policy.regimeFenceWidth = .infinity
        settings.append((policy, "regime fence width"))
        policy = AdmissionPolicy()
        policy.regimeChangeLevel = 1
        settings.append((policy, "regime change level"))
        for (policy, name) in settings {
            let error = #expect(throws: DetectorError.self) { try policy.validate() }
            #expect(error?.code == .invalidOptions && error?.description.contains(name) == true, "\(name)")
        }
    }
}
