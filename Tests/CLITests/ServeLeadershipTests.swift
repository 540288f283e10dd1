import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 21, items 1, 3 and 5: of several daemons on one table (queue mode), the one holding the source's trainer lock
/// trains; the others follow, take each model it stores from the registry, and forward SIGUSR1 to it. When it dies,
/// another takes the lock and trains.
@Suite("vaewatch serve (PostgreSQL): one trainer among several daemons")
struct ServeLeadershipTests {
    @Test("a leader trains, a follower takes its models and forwards SIGUSR1; killed, the leader is replaced")
    func oneTrainer() throws {
        let directory = try TestDirectory("leader-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let settings = try database.settings([
            ("source.batch", "250"), ("training.every_records", "2000"), ("training.epochs", "2"),
        ])
        let fixtures = [
            try ServeFixture("leader-a", settings: settings), try ServeFixture("leader-b", settings: settings),
        ]
        defer { for fixture in fixtures { fixture.remove() } }
        let daemons = try fixtures.map { try $0.start() }
        defer { for daemon in daemons { _ = daemon.kill() } }
        for (fixture, daemon) in zip(fixtures, daemons) { try fixture.awaitReady(daemon, within: .seconds(15)) }
        var next = 1
        func feed(_ rows: Int = 250) {
            try? database.insert(from: next, count: rows)
            next += rows
        }
        func roles() -> [String] { fixtures.map { $0.status()?["role"] ?? "none" } }
        func transcript() -> String {
            "\(fixtures.map { $0.status()?.description ?? "no status" })\n"
                + daemons.map(\.errorText).joined(separator: "\n---\n")
        }

        // One leader, one follower.
        let settled = eventually(within: .seconds(20)) {
            feed()
            pauseThread(.milliseconds(100))
            return Set(roles()) == ["leader", "follower"]
        }
        #expect(settled, "one leader and one follower: \(roles())\n\(transcript())")
        guard settled, let leader = roles().firstIndex(of: "leader") else { return }
        let follower = 1 - leader

        // The leader retrains; the follower never does, and uses each of its models within seconds.
        let followed = eventually(within: .seconds(60)) {
            feed()
            pauseThread(.milliseconds(50))
            let versions = fixtures.map { Int($0.status()?.number("model_version") ?? 0) }
            return (fixtures[leader].status()?.number("retrains") ?? 0) >= 2 && versions[0] == versions[1]
        }
        #expect(followed, "the follower uses the leader's models: \(transcript())")
        #expect(fixtures[follower].status()?.number("retrains") == 0, "a follower never retrains: \(transcript())")

        // SIGUSR1 to the follower: the leader retrains.
        let before = fixtures[leader].status()?.number("retrains") ?? 0
        #expect(daemons[follower].signal(SIGUSR1))
        let forwarded = eventually(within: .seconds(30)) {
            pauseThread(.milliseconds(100))
            return (fixtures[leader].status()?.number("retrains") ?? 0) > before
        }
        #expect(forwarded, "the leader retrained on the follower's SIGUSR1: \(transcript())")
        #expect(daemons[leader].errorText.contains("retrain requested by another daemon"), "\(transcript())")
        #expect(fixtures[follower].status()?.number("retrains") == 0)

        // SIGKILL the leader: the follower takes the lock within the poll interval + 2 s, and its next retrain is
        // stored under a fresh version.
        let newest = try Int(database.cluster.psql("SELECT max(version) FROM vaewatch.models", database: database.name))
        _ = daemons[leader].kill()
        let killedAt = ContinuousClock.now
        let promoted = eventually(within: .seconds(10)) {
            pauseThread(.milliseconds(50))
            return fixtures[follower].status()?["role"] == "leader"
        }
        let promotion = ContinuousClock.now - killedAt
        print("leadership: promoted \(promoted) after \(promotion) (status file written every second)")
        #expect(promoted && promotion < .seconds(4), "a new leader within 1 s + 2 s (+ 1 s status): \(transcript())")
        let retrained = eventually(within: .seconds(60)) {
            feed()
            pauseThread(.milliseconds(50))
            return (fixtures[follower].status()?.number("retrains") ?? 0) >= 1
        }
        #expect(retrained, "the new leader retrains: \(transcript())")
        let after = Int(fixtures[follower].status()?.number("model_version") ?? 0)
        #expect(after > (newest ?? 0), "its model is stored under a fresh version: \(after) after \(newest ?? -1)")
        let drained = eventually(within: .seconds(30)) { (try? database.queued()) == 0 }
        #expect(drained, "the queue drains: \((try? database.queued()) ?? -1) left")
        let audit = try database.audit()
        #expect(audit.lost == 0 && audit.duplicated == 0, "\(audit)")
    }
}
