import Compute
import Detector
import Testing
import VAE

/// The online engine driven batch by batch, as `vaewatch score` and both `serve` modes drive it: no thread, no
/// clock, no database.
@Suite("OnlineDetector")
struct OnlineDetectorTests {
    /// A small detector on 600 seeded 4-feature records, its threshold set for a false-alarm rate of 1e-2 (peaks
    /// over threshold), or at the default quantile with `rate` nil.
    static func detector(rate: Double?) throws -> Detector {
        var generator = SeededGenerator(seed: 5)
        let rows = 600
        let features = Matrix(rows: rows, cols: 4) { _, _ in NormalSampler.next(&generator) }
        return try Detector.train(
            featureNames: ["a", "b", "c", "d"], on: RecordBatch(keys: (0..<rows).map(String.init), features: features),
            options: options(rate: rate), pool: ThreadPool(threadCount: 1), createdAt: 1_700_000_000
        ).detector
    }

    static func options(rate: Double?) -> DetectorOptions {
        var options = DetectorOptions()
        options.hiddenWidths = [8]
        options.latentWidth = 2
        options.training.epochs = 5
        options.training.minimumSteps = 0
        options.thresholdRate = rate
        return options
    }

    static let moving = Result { try detector(rate: 1e-2) }
    static let fixed = Result { try detector(rate: nil) }

    /// `count` seeded records keyed `prefix0`, `prefix1`, …
    static func batch(_ count: Int, prefix: String = "r", seed: UInt64 = 9) -> RecordBatch {
        var generator = SeededGenerator(seed: seed)
        let features = Matrix(rows: count, cols: 4) { _, _ in NormalSampler.next(&generator) }
        return RecordBatch(keys: (0..<count).map { "\(prefix)\($0)" }, features: features)
    }

    static func policy(records: Int? = nil, seconds: Double? = nil) throws -> RetrainPolicy {
        try RetrainPolicy(everyRecords: records, everySeconds: seconds, startingAt: 0)
    }

    @Test("a batch scored by the model in use moves a peaks-over-threshold threshold as updatingThreshold does")
    func movesTheThreshold() throws {
        let trained = try Self.moving.get()
        var online = OnlineDetector(detector: trained, policy: nil, windowCapacity: 100)
        let batch = Self.batch(2_000)
        let verdicts = trained.score(batch)
        let step = online.scored(batch, verdicts: verdicts, now: 0)
        let expected = trained.updatingThreshold(with: verdicts.score)
        #expect(step.thresholdMoved == expected.threshold)
        #expect(online.detector?.threshold == expected.threshold)
        #expect(online.detector?.version == trained.version)
        #expect(step.records == 2_000 && step.newRecords == 2_000)
        #expect(step.anomalies == verdicts.isAnomaly.count { $0 })
        #expect(step.retrain == nil)
        #expect(online.window == nil, "without a retrain policy no window is kept")
    }

    @Test("a batch scored by another version, or a quantile threshold, moves nothing")
    func leavesOtherModelsAlone() throws {
        let trained = try Self.moving.get()
        var online = OnlineDetector(detector: trained, policy: nil, windowCapacity: 100)
        let batch = Self.batch(500)
        var verdicts = trained.score(batch)
        verdicts.modelVersion = trained.version + 1
        #expect(online.scored(batch, verdicts: verdicts, now: 0).thresholdMoved == nil)
        #expect(online.detector === trained)

        let quantile = try Self.fixed.get()
        var fixed = OnlineDetector(detector: quantile, policy: nil, windowCapacity: 100)
        #expect(fixed.scored(batch, verdicts: quantile.score(batch), now: 0).thresholdMoved == nil)
        #expect(fixed.detector === quantile)
    }

    @Test("stdin warm-up: the records learned from neither count toward the schedule nor move the threshold")
    func warmUpRecordsAreNotNew() throws {
        let trained = try Self.moving.get()
        var online = OnlineDetector(detector: nil, policy: try Self.policy(records: 300), windowCapacity: 10_000)
        online.learned(trained, from: .leading(500), now: 7)
        #expect(online.warmUpPending == 500)
        let first = Self.batch(400, prefix: "a")
        let none = online.scored(first, verdicts: trained.score(first), now: 8)
        #expect(none.newRecords == 0 && none.thresholdMoved == nil && none.retrain == nil)
        #expect(online.detector === trained)
        let second = Self.batch(400, prefix: "b", seed: 10)
        let verdicts = trained.score(second)
        let step = online.scored(second, verdicts: verdicts, now: 9)
        #expect(step.newRecords == 300)
        #expect(step.thresholdMoved == trained.updatingThreshold(with: Array(verdicts.score.suffix(300))).threshold)
        guard case .start(let order) = step.retrain else {
            Issue.record("300 new records make the retrain due, got \(String(describing: step.retrain))")
            return
        }
        #expect(order.reason == .records)
        #expect(order.window.count == online.window?.count)
        #expect(order.window.count > 700, "all 800 scored records were offered to the window")
        #expect(online.warmUpPending == 0)
    }

    @Test("PostgreSQL warm-up: rows learned from are not new whenever and in whatever order they come")
    func warmUpKeys() throws {
        let trained = try Self.fixed.get()
        var online = OnlineDetector(detector: nil, policy: try Self.policy(records: 1_000), windowCapacity: 100)
        online.learned(trained, from: .keys(["r3", "r1"]), now: 0)
        let batch = Self.batch(5)
        #expect(online.scored(batch, verdicts: trained.score(batch), now: 0).newRecords == 3)
        #expect(online.scored(batch, verdicts: trained.score(batch), now: 0).newRecords == 5, "only once")
    }

    @Test("one order at a time: a retrain's outcome comes back, requests made meanwhile fold into it")
    func oneRetrainAtATime() throws {
        let trained = try Self.fixed.get()
        var online = OnlineDetector(detector: trained, policy: try Self.policy(records: 100), windowCapacity: 1_000)
        let batch = Self.batch(150)
        let step = online.scored(batch, verdicts: trained.score(batch), now: 0)
        guard case .start(let order) = step.retrain else {
            Issue.record("150 records make the retrain due")
            return
        }
        #expect(online.isRetraining)
        #expect(online.recordsUntilRetrain(now: 0) == nil, "no cut point while a retrain is out")
        online.requestRetrain()
        let more = Self.batch(150, seed: 11)
        #expect(online.scored(more, verdicts: trained.score(more), now: 1).retrain == nil, "one is out already")
        let retrained = try order.run(
            options: Self.options(rate: nil), pool: ThreadPool(threadCount: 1), createdAt: 1_700_000_100
        ).detector
        online.finished(retrained)
        #expect(!online.isRetraining)
        #expect(online.detector === retrained && retrained.version == trained.version + 1)
        #expect(online.retrainsTaken == 1)
        #expect(online.policy?.isRequested == false, "the request made during the retrain was answered by it")
        #expect(online.recordsUntilRetrain(now: 1) == 0, "the 150 records scored meanwhile count")
        guard case .start = online.dueRetrain(now: 1) else {
            Issue.record("records scored while the retrain ran make the next one due")
            return
        }
        online.finished(nil)
        #expect(online.detector === retrained, "a failed retrain leaves the model in use")
        #expect(online.retrainsTaken == 1)
    }

    @Test("the clock and a request make a retrain due; an empty window skips it and starts the schedule over")
    func timeAndRequests() throws {
        let trained = try Self.fixed.get()
        var online = OnlineDetector(detector: trained, policy: try Self.policy(seconds: 60), windowCapacity: 1_000)
        #expect(online.dueRetrain(now: 59) == nil)
        guard case .skipped(.schedule) = online.dueRetrain(now: 60) else {
            Issue.record("an empty window skips the retrain")
            return
        }
        #expect(online.dueRetrain(now: 61) == nil, "the schedule started over at 60")
        let batch = Self.batch(50)
        _ = online.scored(batch, verdicts: trained.score(batch), now: 62)
        online.requestRetrain()
        guard case .start(let order) = online.dueRetrain(now: 63) else {
            Issue.record("a request makes a retrain due")
            return
        }
        #expect(order.reason == .signal)
        online.finished(nil)
        guard case .start(let timed) = online.dueRetrain(now: 123) else {
            Issue.record("60 s after the last retrain")
            return
        }
        #expect(timed.reason == .schedule)
    }

    @Test("no model, no retrain; a reload never goes back in time; a reschedule keeps the counters")
    func modelsAndReloads() throws {
        let trained = try Self.fixed.get()
        var online = OnlineDetector(detector: nil, policy: try Self.policy(records: 10), windowCapacity: 100)
        online.requestRetrain()
        #expect(online.dueRetrain(now: 0) == nil)
        #expect(online.recordsUntilRetrain(now: 0) == nil)
        let first = online.useIfNewer(trained)
        #expect(first)
        #expect(online.window?.width == 4)
        let again = online.useIfNewer(trained)
        #expect(!again)
        let batch = Self.batch(6)
        let step = online.scored(batch, verdicts: trained.score(batch), now: 0)
        guard case .start(let order) = step.retrain else {
            Issue.record("the request made before there was a model waits for one")
            return
        }
        #expect(order.reason == .signal && order.window.count == 6)
        online.finished(nil)
        _ = online.scored(batch, verdicts: trained.score(batch), now: 0)
        try online.reschedule(everyRecords: 20, everySeconds: nil)
        #expect(online.recordsUntilRetrain(now: 0) == 14)
        let before = online
        #expect(throws: DetectorError.self) {
            var copy = before
            try copy.reschedule(everyRecords: 0, everySeconds: nil)
        }
    }

    @Test("a retrain keeps the network of the model in use whatever the options say")
    func retrainKeepsTheNetwork() throws {
        let trained = try Self.fixed.get()
        var online = OnlineDetector(detector: trained, policy: try Self.policy(records: 50), windowCapacity: 1_000)
        let batch = Self.batch(100)
        guard case .start(let order) = online.scored(batch, verdicts: trained.score(batch), now: 0).retrain else {
            Issue.record("100 records make the retrain due")
            return
        }
        var other = Self.options(rate: nil)
        other.hiddenWidths = [16, 8]
        other.latentWidth = 3
        let retrained = try order.run(options: other, pool: ThreadPool(threadCount: 1), createdAt: 0).detector
        #expect(retrained.model.architecture == trained.model.architecture)
    }
}

/// Two decisions are alike when they skip for the same reason, or start for the same reason on as many records.
extension RetrainDue: Equatable {
    /// Whether the decisions are alike.
    public static func == (lhs: RetrainDue, rhs: RetrainDue) -> Bool {
        switch (lhs, rhs) {
        case (.skipped(let a), .skipped(let b)): a == b
        case (.start(let a), .start(let b)): a.reason == b.reason && a.window.count == b.window.count
        default: false
        }
    }
}

/// A follower never retrains; taking the lead starts the schedule over.
@Suite("OnlineDetector: leader and follower")
struct OnlineDetectorRoleTests {
    @Test("a follower orders no retrain, whatever is due; once it leads, the schedule starts over")
    func followerDoesNotTrain() throws {
        let trained = try OnlineDetectorTests.fixed.get()
        var online = OnlineDetector(
            detector: trained, policy: try OnlineDetectorTests.policy(records: 100), windowCapacity: 1_000)
        online.setTraining(false, now: 0)
        let batch = OnlineDetectorTests.batch(150)
        #expect(online.scored(batch, verdicts: trained.score(batch), now: 1).retrain == nil)
        online.requestRetrain()
        #expect(online.dueRetrain(now: 2) == nil)
        online.setTraining(true, now: 3)
        #expect(online.recordsUntilRetrain(now: 3) == 100, "the counts start over at the promotion")
        guard case .start(let order) = online.dueRetrain(now: 3) else {
            Issue.record("the request made while following is answered once it leads")
            return
        }
        #expect(order.reason == .signal)
    }
}

/// Issue 21, item 4: the trainer's window and schedule take the records other daemons scored.
@Suite("OnlineDetector: records scored elsewhere")
struct OnlineDetectorElsewhereTests {
    @Test("records another daemon scored enter the window and count, the threshold stays, and a retrain comes due")
    func takesOthersRecords() throws {
        let trained = try OnlineDetectorTests.moving.get()
        var online = OnlineDetector(
            detector: trained, policy: try OnlineDetectorTests.policy(records: 500), windowCapacity: 1_000)
        let own = OnlineDetectorTests.batch(100, prefix: "own")
        _ = online.scored(own, verdicts: trained.score(own), now: 1)
        let threshold = online.detector?.threshold
        #expect(online.window?.count ?? 0 <= 100)
        let held = online.window?.count ?? 0

        // Two runs another daemon scored, one under an older model version: 300 offered, 350 counted (a read may
        // count verdicts whose rows it did not offer).
        let first = OnlineDetectorTests.batch(150, prefix: "a", seed: 21)
        var older = trained.score(first)
        older.modelVersion = trained.version - 1
        let second = OnlineDetectorTests.batch(150, prefix: "b", seed: 22)
        let due = online.scoredElsewhere(
            [(first, older), (second, trained.score(second))], counted: 350, now: 2)
        #expect(due == nil, "100 + 350 records scored: the 500-record trigger is not due yet")
        #expect(online.recordsUntilRetrain(now: 2) == 50)
        #expect(online.detector?.threshold == threshold, "another daemon's scores do not move the threshold")
        let window = try #require(online.window)
        #expect(window.count > held + 250, "most of the 300 records offered are held: \(window.count)")
        #expect(Set(window.snapshot().keys).isSuperset(of: ["a0", "b149"]))

        let third = OnlineDetectorTests.batch(60, prefix: "c", seed: 23)
        guard case .start(let order) = online.scoredElsewhere([(third, trained.score(third))], counted: 60, now: 3)
        else {
            Issue.record("the records scored elsewhere make the record-count retrain due")
            return
        }
        #expect(order.reason == .records)
        #expect(order.window.keys.contains("c59"))
    }

    @Test("a follower's schedule does not come due from records scored elsewhere")
    func followerOrdersNothing() throws {
        let trained = try OnlineDetectorTests.fixed.get()
        var online = OnlineDetector(
            detector: trained, policy: try OnlineDetectorTests.policy(records: 10), windowCapacity: 100)
        online.setTraining(false, now: 0)
        let batch = OnlineDetectorTests.batch(50)
        #expect(online.scoredElsewhere([(batch, trained.score(batch))], counted: 50, now: 1) == nil)
    }
}
