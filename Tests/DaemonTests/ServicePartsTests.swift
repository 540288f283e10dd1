import Glibc
import Logging
import Testing

@testable import Daemon

/// The small parts of the service: heartbeats, journald lines, fault hooks.
@Suite struct ServicePartsTests {
    @Test func heartbeatsGoStaleWithoutBeatsAndFreshAfterOne() throws {
        let heartbeats = Heartbeats()
        let ingest = heartbeats.register("ingest")
        let training = heartbeats.register("training")
        #expect(heartbeats.stale(olderThan: .seconds(1)).isEmpty)
        var pause = timespec(tv_sec: 0, tv_nsec: 60_000_000)
        nanosleep(&pause, nil)
        training.beat()
        #expect(heartbeats.stale(olderThan: .milliseconds(30)) == ["ingest"])
        ingest.beat()
        #expect(heartbeats.stale(olderThan: .milliseconds(30)).isEmpty)
        heartbeats.remove(ingest)
        nanosleep(&pause, nil)
        #expect(heartbeats.stale(olderThan: .milliseconds(30)) == ["training"])
    }

    @Test func journalLinesCarryThePriorityAndDottedMetadata() {
        let event = LogEvent(
            level: .warning, message: "database unreachable;\nretrying",
            metadata: ["db.attempt": "3", "db.error": "no route"],
            source: nil, file: #file, function: #function, line: #line)
        #expect(
            JournalLogHandler(label: "t", journal: true).line(for: event)
                == "<4>database unreachable; retrying db.attempt=3 db.error=\"no route\"\n")
        let plain = JournalLogHandler(label: "t", journal: false).line(for: event)
        #expect(plain.hasSuffix(" warning: database unreachable; retrying db.attempt=3 db.error=\"no route\"\n"))
        // A UTC timestamp first: 2026-11-22T02:33:01Z.
        #expect(
            plain.dropFirst(4).hasPrefix("-") && plain.dropFirst(10).hasPrefix("T")
                && plain.dropFirst(19).hasPrefix("Z "))
        let priorities = [Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].map(\.syslogPriority)
        #expect(priorities == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test func faultHooksAreReadOnlyFromTheirVariable() {
        #expect(FaultHook.fromEnvironment([:]) == nil)
        #expect(FaultHook.fromEnvironment(["VAEWATCH_FAULT": "nonsense"]) == nil)
        #if DEBUG
            #expect(FaultHook.fromEnvironment(["VAEWATCH_FAULT": "hang_ingest"])?.kind == .hangIngest)
            #expect(FaultHook.fromEnvironment(["VAEWATCH_FAULT": "slow_start=2.5"])?.kind == .slowStart(seconds: 2.5))
        #else
            #expect(FaultHook.fromEnvironment(["VAEWATCH_FAULT": "hang_ingest"]) == nil)
        #endif
    }
}
