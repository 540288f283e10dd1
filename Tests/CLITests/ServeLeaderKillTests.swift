import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Row P11 of RELIABILITY.md: the trainer is killed, another takes over. Three daemons on one table while rows
/// arrive; the leader is SIGKILLed at a random moment 20 times (and started again as a follower).
@Suite("vaewatch serve (PostgreSQL): the trainer killed, another takes over (P11)")
struct ServeLeaderKillTests {
    @Test("P11: 20 SIGKILLs of the leader among three daemons: a new leader each time, a fresh version, 0 lost / 0 dup")
    func leaderKilledTwentyTimes() throws {
        let directory = try TestDirectory("p11-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let settings = try database.settings([
            ("source.batch", "200"), ("training.every_records", "600"), ("training.epochs", "2"),
        ])
        let fixtures = try (0..<3).map { try ServeFixture("p11-\($0)", settings: settings) }
        defer { for fixture in fixtures { fixture.remove() } }
        var daemons = try fixtures.map { try $0.start() }
        defer { for daemon in daemons { _ = daemon.kill() } }
        for (fixture, daemon) in zip(fixtures, daemons) { try fixture.awaitReady(daemon, within: .seconds(15)) }
        var next = 1
        func feed(_ rows: Int = 100) {
            try? database.insert(from: next, count: rows)
            next += rows
        }
        func leader(among running: [Int]) -> Int? {
            // The status file of the process running now: a killed leader's last one says leader until the daemon
            // started in its place writes its own.
            running.first {
                let status = fixtures[$0].status()
                return status?["role"] == "leader" && status?["pid"] == "\(daemons[$0].pid)" && daemons[$0].isRunning
            }
        }
        func newestVersion() -> Int {
            Int(
                (try? database.cluster.psql(
                    "SELECT coalesce(max(version), 0) FROM vaewatch.models", database: database.name)) ?? "") ?? 0
        }
        var random = SplitMix64(seed: 11)
        var promotions: [Double] = []
        var versions: [Int] = []
        for cycle in 0..<20 {
            var current: Int?
            let found = eventually(within: .seconds(15)) {
                feed()
                pauseThread(.milliseconds(50))
                current = leader(among: [0, 1, 2])
                return current != nil
            }
            try #require(
                found,
                "cycle \(cycle): no leader among the three:\n\(daemons.map(\.errorText).joined(separator: "\n---\n"))")
            let killed = current!
            // A random moment: up to 1.5 s more of rows arriving (mid-batch, mid-retrain, or idle).
            let wait = Int(random.next() % 1500)
            let until = ContinuousClock.now + .milliseconds(wait)
            while ContinuousClock.now < until {
                feed(50)
                pauseThread(.milliseconds(20))
            }
            let before = newestVersion()
            _ = daemons[killed].kill()
            let killedAt = ContinuousClock.now
            let others = [0, 1, 2].filter { $0 != killed }
            let promoted = eventually(within: .seconds(10)) {
                feed()
                pauseThread(.milliseconds(20))
                return leader(among: others) != nil
            }
            promotions.append((ContinuousClock.now - killedAt) / .seconds(1))
            try #require(promoted, "cycle \(cycle): no new leader after \(killed) was killed")
            daemons[killed] = try fixtures[killed].start()
            try fixtures[killed].awaitReady(daemons[killed], within: .seconds(15))
            let retrained = eventually(within: .seconds(60)) {
                feed(200)
                pauseThread(.milliseconds(50))
                return newestVersion() > before
            }
            try #require(retrained, "cycle \(cycle): the new leader stored no model after version \(before)")
            versions.append(newestVersion())
        }
        let drained = eventually(within: .seconds(60)) { (try? database.queued()) == 0 }
        let audit = try database.audit()
        print(
            "P11: 20 leader kills; new leader seen after (s, status file written every second) "
                + "\(promotions.map { Double(Int($0 * 10)) / 10 }); max \(promotions.max() ?? 0); versions after each "
                + "\(versions); \(audit)")
        #expect(promotions.allSatisfy { $0 < 4 }, "a new leader within 1 s (check) + 2 s (+ 1 s status): \(promotions)")
        #expect(zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 }, "each takeover stores a fresh version")
        #expect(drained, "the queue drains")
        #expect(audit.lost == 0 && audit.duplicated == 0, "\(audit)")
        let rows = try database.cluster.psql(
            "SELECT count(*) = count(DISTINCT version) FROM vaewatch.models", database: database.name)
        #expect(rows == "t", "no two registry rows share a version")
    }
}
