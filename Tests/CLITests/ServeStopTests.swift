import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Row S9 of RELIABILITY.md: SIGTERM while `vaewatch serve` (PostgreSQL source and sink, queue mode) is working
/// through a large backlog. About 40 s.
@Suite("vaewatch serve: SIGTERM mid-batch (S9)", .serialized)
struct ServeStopTests {
    /// Each run tops the queue up to 50,000 keys, starts the daemon (batches of 5,000, two workers), waits for
    /// READY plus a seeded 0.1–0.4 s, so that batches are in flight, and sends SIGTERM. The daemon must send
    /// STOPPING=1 and exit 0 within 10 s, having committed (or rolled back) the batches in hand and left the rest
    /// queued. The next run's start is the restart; a last one drains the queue, and then every row has exactly
    /// one verdict.
    @Test("S9: TERM during a large batch, 20 times: exit 0, STOPPING=1, stop < 10 s; then 0 lost / 0 dup")
    func termMidBatch() throws {
        let directory = try TestDirectory("s9-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let fixture = try ServeFixture("s9", settings: try database.settings([("source.batch", "5000")]))
        defer { fixture.remove() }
        var rng = SplitMix64(seed: 9)
        var inserted = 0
        var stops: [Double] = []
        var backlogs: [Int] = []
        var committedAfterTerm: [Int] = []
        var failures: [String] = []
        for run in 0..<20 {
            let missing = 50_000 - (try database.queued())
            if missing > 0 {
                try database.insert(from: inserted + 1, count: missing)
                inserted += missing
            }
            let daemon = try fixture.start()
            defer { daemon.kill() }
            try fixture.awaitReady(daemon, within: .seconds(15))
            pauseThread(.milliseconds(Int64(100 + rng.unit() * 300)))
            let scoredAtTerm = try database.scored()
            let sent = NotifyReceiver.now()
            daemon.signal(SIGTERM)
            let ended = daemon.waitForExit(within: .seconds(15))
            let stopping = fixture.receiver.first { $0.senderPID == daemon.pid && $0.contains("STOPPING=1") }
            if let ended { stops.append(ended.time - sent) }
            backlogs.append(try database.queued())
            committedAfterTerm.append(try database.scored() - scoredAtTerm)
            if ended?.status != 0 || stopping == nil || (ended.map { $0.time - sent } ?? 99) >= 10 {
                failures.append(
                    "run \(run): \(ended?.description ?? "still running after 15 s"), STOPPING=1 \(stopping != nil)"
                        + "\n\(daemon.errorText)")
            }
        }
        // The last start drains what is left.
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        let drained = eventually(within: .seconds(60)) { (try? database.queued()) == 0 }
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let audit = try database.audit()
        print(
            "S9: 20 TERMs: stop times (ms) \(stops.map(milliseconds)), max \(milliseconds(stops.max() ?? 0)); verdicts "
                + "committed between TERM and exit \(committedAfterTerm); keys left queued \(backlogs); after the "
                + "drain: \(audit.rows) rows, \(audit.lost) lost, \(audit.duplicated) duplicated, \(audit.strays) "
                + "strays, \(audit.deadLetters) dead letters")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n---\n"))")
        #expect(stops.count == 20 && stops.allSatisfy { $0 < 10 })
        #expect(backlogs.allSatisfy { $0 > 0 }, "TERM came with work left, so the daemon stopped mid-backlog")
        #expect(drained, "the queue drained: \((try? database.queued()) ?? -1) keys left\n\(daemon.errorText)")
        #expect(audit.rows == inserted)
        #expect(audit.lost == 0 && audit.duplicated == 0 && audit.strays == 0 && audit.deadLetters == 0)
    }
}
