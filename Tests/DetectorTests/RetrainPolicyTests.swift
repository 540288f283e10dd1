import Detector
import Testing

@Suite("RetrainPolicy")
struct RetrainPolicyTests {
    @Test("by records: due once enough records are scored, and again after as many more")
    func byRecords() throws {
        var policy = try RetrainPolicy(everyRecords: 1_000, startingAt: 50)
        policy.recordsScored(600)
        #expect(!policy.isDue(now: 1e9))
        #expect(policy.nextDue(now: 60) == (records: 400, seconds: nil))
        policy.recordsScored(400)
        #expect(policy.isDue(now: 60))
        policy.retrained(at: 70)
        #expect(!policy.isDue(now: 70))
        #expect(policy.nextDue(now: 70).records == 1_000)
    }

    @Test("by seconds: due once the interval has passed since the start or the last retrain")
    func bySeconds() throws {
        var policy = try RetrainPolicy(everySeconds: 3_600, startingAt: 100)
        policy.recordsScored(1_000_000)
        #expect(!policy.isDue(now: 3_699))
        #expect(policy.nextDue(now: 3_699) == (records: nil, seconds: 1))
        #expect(policy.isDue(now: 3_700))
        policy.retrained(at: 3_750)
        #expect(!policy.isDue(now: 7_000))
        #expect(policy.isDue(now: 7_350))
        #expect(policy.nextDue(now: 8_000).seconds == 0)
    }

    @Test("both triggers: whichever comes first; a retrain resets both")
    func both() throws {
        var policy = try RetrainPolicy(everyRecords: 100, everySeconds: 10, startingAt: 0)
        policy.recordsScored(100)
        #expect(policy.isDue(now: 1))
        policy.retrained(at: 1)
        #expect(!policy.isDue(now: 5))
        #expect(policy.isDue(now: 11))
        #expect(policy.nextDue(now: 5) == (records: 100, seconds: 6))
    }

    @Test("neither trigger: never due unless requested; requests fold into one retrain")
    func neitherAndRequests() throws {
        var policy = try RetrainPolicy(startingAt: 0)
        policy.recordsScored(Int(Int32.max))
        #expect(!policy.isDue(now: 1e12))
        #expect(policy.nextDue(now: 1) == (records: nil, seconds: nil))
        policy.requestNow()
        policy.requestNow()
        #expect(policy.isDue(now: 2))
        policy.retrained(at: 3)
        #expect(!policy.isDue(now: 4))
    }

    @Test("a trigger below 1 record or not a positive finite number of seconds is refused")
    func validation() {
        for (records, seconds) in [(0, nil), (-5, nil), (nil, 0), (nil, -1), (nil, .infinity), (nil, .nan)]
            as [(Int?, Double?)]
        {
            #expect(throws: DetectorError.self) {
                try RetrainPolicy(everyRecords: records, everySeconds: seconds, startingAt: 0)
            }
        }
    }

    @Test("a reload reschedules without losing counts or requests; a request during a retrain folds into it")
    func rescheduleAndFold() throws {
        var policy = try RetrainPolicy(everyRecords: 1000, everySeconds: 60, startingAt: 10)
        policy.recordsScored(400)
        policy.requestNow()
        var changed = try policy.rescheduled(everyRecords: 500, everySeconds: nil)
        #expect(changed.recordsSinceRetrain == 400)
        #expect(changed.isRequested)
        #expect(changed.lastRetrainAt == 10)
        #expect(changed.nextDue(now: 20) == (records: 100, seconds: nil))
        changed.withdrawRequest()
        #expect(!changed.isDue(now: 20))
        #expect(changed.recordsSinceRetrain == 400)
        #expect(throws: DetectorError.self) { try policy.rescheduled(everyRecords: 0, everySeconds: nil) }
    }
}
