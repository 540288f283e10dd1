import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Row P10 of RELIABILITY.md: two daemon processes on the same table in queue mode share its queue (each claims
/// with SKIP LOCKED), so rows arriving while both run get exactly one verdict each, and neither waits on the other.
@Suite("vaewatch serve (PostgreSQL): two daemons on one table (P10)")
struct ServeTwoDaemonsTests {
    @Test("P10: two daemons drain one queue while 12,000 rows arrive: both score, 0 lost, 0 dup, both stop cleanly")
    func twoDaemonsShareTheQueue() throws {
        let directory = try TestDirectory("p10-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let settings = try database.settings([("source.batch", "300")])
        let first = try ServeFixture("p10-a", settings: settings)
        defer { first.remove() }
        let second = try ServeFixture("p10-b", settings: settings)
        defer { second.remove() }
        let daemons = [try first.start(), try second.start()]
        defer { for daemon in daemons { _ = daemon.kill() } }
        try first.awaitReady(daemons[0], within: .seconds(15))
        try second.awaitReady(daemons[1], within: .seconds(15))
        // Rows arrive in 24 statements of 500 while both daemons claim batches of 300.
        for step in 0..<24 {
            try database.insert(from: step * 500 + 1, count: 500)
            pauseThread(.milliseconds(50))
        }
        let drained = eventually(within: .seconds(60)) {
            (try? database.queued()) == 0 && (try? database.scored()) == 12_000
        }
        let progress = "queued \((try? database.queued()) ?? -1), scored \((try? database.scored()) ?? -1)"
        try #require(
            drained, "\(progress)\nfirst:\n\(daemons[0].errorText)\nsecond:\n\(daemons[1].errorText)")
        for daemon in daemons { #expect(daemon.stop()?.status == 0, "\(daemon.errorText)") }

        let counts = [first, second].map { Int($0.status()?.number("records") ?? -1) }
        print("P10, two daemons: records scored by each \(counts)")
        #expect(counts.allSatisfy { $0 > 0 }, "both daemons scored: \(counts)")
        #expect(counts.reduce(0, +) == 12_000, "between them, each row once: \(counts)")
        let audit = try database.audit()
        #expect(audit.rows == 12_000 && audit.lost == 0 && audit.duplicated == 0, "\(audit)")
        #expect(audit.strays == 0 && audit.deadLetters == 0, "\(audit)")
        for daemon in daemons {
            #expect(!daemon.errorText.contains("deadlock"), "no deadlock between the two: \(daemon.errorText)")
        }
    }
}
