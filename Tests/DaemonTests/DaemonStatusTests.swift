import Testing

@testable import Daemon

/// The one-line STATUS and the status file's JSON.
@Suite struct DaemonStatusTests {
    /// A running daemon's status with everything set.
    static func running() -> DaemonStatus {
        var status = DaemonStatus()
        status.ready(hasModel: true)
        status.pid = 4242
        status.source = "public.metrics (queue)"
        status.records = 1_234_567
        status.anomalies = 12_345
        status.modelVersion = 7
        status.threshold = 3.5
        status.nextRetrainSeconds = 125
        status.nextRetrainRecords = 1500
        status.record(error: "cannot write \"x\"\nsecond line", at: 1000)
        status.updatedAt = 1000 + DaemonStatus.errorShownSeconds
        return status
    }

    @Test func runningLineSaysCountsRateModelAndNextRetrain() {
        #expect(
            Self.running().line
                == "scoring public.metrics (queue): 1,234,567 records, 12,345 flagged (1.00%), model v7, "
                + "next retrain in 3 min or after 1,500 records")
    }

    @Test func stoppedLineSaysWhatWasDone() {
        var stopping = Self.running()
        stopping.stopping()
        #expect(stopping.stoppedLine == "stopped: 1,234,567 records, 12,345 flagged (1.00%), model v7")
        #expect(DaemonStatus().stoppedLine == "stopped: 0 records, 0 flagged (0.00%)")
    }

    @Test func theLastWriteSaysStoppedWithTheExitStatusAndWhen() throws {
        var status = Self.running()
        let running = try #require(StatusFile.fields(of: StatusFile.encode(status)))
        #expect(running.suffix(2).map(\.key) == ["exit_status", "stopped_at"])
        #expect(running.suffix(2).allSatisfy { $0.value == nil })
        status.stop(exitStatus: 74, at: 2000)
        #expect(status.line == "stopped: 1,234,567 records, 12,345 flagged (1.00%), model v7")
        let stopped = try #require(StatusFile.fields(of: StatusFile.encode(status)))
        let values = Dictionary(uniqueKeysWithValues: stopped.map { ($0.key, $0.value) })
        #expect(values["state"] == "stopped")
        #expect(values["exit_status"] == "74")
        #expect(values["stopped_at"] == "2000")
        #expect(values["updated_at"] == "2000")
        #expect(stopped.map(\.key) == running.map(\.key), "the same fields, in the same order")
    }

    @Test func aRecentErrorIsRepeatedInTheLineForFiveMinutes() {
        var status = Self.running()
        status.record(error: "checkpoint failed: fsync: Input/output error", at: 5000)
        #expect(status.line.hasSuffix(", error: checkpoint failed: fsync: Input/output error"))
        status.updatedAt = 5000 + DaemonStatus.errorShownSeconds
        #expect(!status.line.contains("error"))
        #expect(status.lastError == "checkpoint failed: fsync: Input/output error")
    }

    @Test func otherStatesSayWhatTheDaemonWaitsFor() {
        var status = DaemonStatus()
        status.waitingForDatabase("attempt 3: connection refused")
        #expect(status.line == "waiting for database (attempt 3: connection refused)")
        status.retrying("attempt 4: permission denied for table metrics (SQLSTATE 42501)")
        #expect(status.line == "retrying: attempt 4: permission denied for table metrics (SQLSTATE 42501)")
        status.connected()
        status.warmingUp("120 of the 2000 records warm-up needs are in public.metrics")
        status.connected()
        #expect(
            status.line == "warming up: 120 of the 2000 records warm-up needs are in public.metrics",
            "a connection does not end warm-up")
        status.modelInUse()
        #expect(status.state == .running && status.detail == nil)
        status.retraining = true
        status.lagSeconds = 12.5
        #expect(status.line == "scoring : 0 records, 0 flagged (0.00%), retraining, behind by 12 s")
    }

    @Test func transitionsLeaveOtherStatesAlone() {
        var status = DaemonStatus()
        status.ready(hasModel: false)
        #expect(status.state == .warmingUp)
        let previous = status.reloading()
        #expect(status.state == .reloading && previous == .warmingUp)
        status.scored()
        #expect(status.state == .reloading, "a batch scored during a reload leaves it reloading")
        status.reloaded(backTo: previous)
        #expect(status.state == .warmingUp)
        status.scored()
        #expect(status.state == .running)
        status.waiting("waiting: another daemon holds the source")
        #expect(status.state == .running && status.line.hasSuffix("waiting: another daemon holds the source"))
        status.stopping()
        status.connected()
        status.modelInUse()
        #expect(status.state == .stopping)
    }

    @Test func durationsAndNumbersReadNaturally() {
        #expect(DaemonStatus.duration(45) == "45 s")
        #expect(DaemonStatus.duration(3599) == "60 min")
        #expect(DaemonStatus.duration(3600) == "1 h 0 min")
        #expect(DaemonStatus.duration(3725) == "1 h 2 min")
        #expect(DaemonStatus.duration(181, rounding: .down) == "3 min")
        #expect(DaemonStatus.duration(93_600) == "1 d 2 h")
        #expect(DaemonStatus.percent(0.00123) == "0.12%")
    }

    @Test func statusFileRoundTripsThroughTheReader() throws {
        let status = Self.running()
        let fields = try #require(StatusFile.fields(of: StatusFile.encode(status)))
        let values = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) })
        #expect(values["state"] == "running")
        #expect(values["records"] == "1234567")
        #expect(values["model_version"] == "7")
        #expect(values["last_error"] == "cannot write \"x\"\nsecond line")
        #expect(values["last_retrain_at"] == .some(nil))
        #expect(values["next_retrain_seconds"] == "125")
        #expect(values["status"] == status.line)
        #expect(fields.first?.key == "state")
    }

    @Test func damagedStatusFilesAreRefused() {
        #expect(StatusFile.fields(of: "") == nil)
        #expect(StatusFile.fields(of: "{\"state\": ") == nil)
        #expect(StatusFile.fields(of: "{\"state\" \"running\"}") == nil)
        #expect(StatusFile.fields(of: "{\"a\": \"unterminated}") == nil)
        #expect(StatusFile.fields(of: "{}")?.isEmpty == true)
    }
}
