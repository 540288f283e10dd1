import Detector
import Testing

/// Which scored records are new, and which the first model learned from (their scores neither move the threshold
/// again nor count toward the retrain schedule).
@Suite("WarmUpRecords")
struct WarmUpRecordsTests {
    @Test("stdin: the next n records scored are the ones learned from, across batches")
    func leadingCount() {
        var records = WarmUpRecords.leading(5)
        #expect(records.newRecords(among: ["1", "2", "3"]) == [false, false, false])
        #expect(records.pending == 2)
        #expect(records.newRecords(among: ["4", "5", "6", "7"]) == [false, false, true, true])
        #expect(records.pending == 0)
        #expect(records.newRecords(among: ["8"]) == [true])
    }

    @Test("PostgreSQL: learned keys are not new whenever and in whatever order they come, and only once")
    func learnedKeys() {
        var records = WarmUpRecords.keys(["10", "11", "12"])
        #expect(records.newRecords(among: ["12", "20", "21"]) == [false, true, true])
        #expect(records.newRecords(among: ["22", "10"]) == [true, false])
        #expect(records.pending == 1)
        // A second verdict for a key already seen (a backfill) is new.
        #expect(records.newRecords(among: ["10", "11"]) == [true, false])
        #expect(records.pending == 0)
    }

    @Test("nothing pending: every record is new")
    func nothingPending() {
        var records = WarmUpRecords()
        #expect(records.newRecords(among: ["a", "b"]) == [true, true])
        #expect(WarmUpRecords.leading(-3).pending == 0)
    }
}
