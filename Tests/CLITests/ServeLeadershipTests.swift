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

    /// Found by scripts/soak (K1): a restart of the server ends the session that holds the trainer lock, and the daemon
    /// follows until it takes the lock again; a SIGUSR1 then was forwarded to no leader, and nobody retrained.
    @Test("SIGUSR1 while no daemon leads: the daemon retrains once it takes the lock")
    func retrainRequestedWithoutALeader() throws {
        let directory = try TestDirectory("leader-usr1")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let fixture = try ServeFixture(
            "leader-usr1", settings: try database.settings([("source.batch", "250"), ("training.epochs", "2")]))
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        try database.insert(from: 1, count: 500)
        let leading = fixture.waitForStatus(within: .seconds(30)) {
            $0["role"] == "leader" && ($0.number("records") ?? 0) >= 500
        }
        try #require(leading != nil, "the daemon leads and scores: \(daemon.errorText)")

        // Another session waits for the trainer lock, and takes it when the daemon's coordinator session ends.
        let lock = "pg_advisory_lock(hashtext('vaewatch.trainer'), hashtext('\(ServeDatabase.source)'))"
        let holder = try SpawnedProcess.start(
            [
                database.cluster.binDirectory + "/psql", "-X", "-q", "-d", database.conninfo, "-c",
                "SELECT \(lock); SELECT pg_sleep(600)",
            ], environment: SpawnedProcess.environment(adding: ["PGAPPNAME=vaewatch-test-lock"]))
        var holderEnded = false
        defer {
            if !holderEnded {
                _ = try? database.cluster.signalBackends(applicationName: "vaewatch-test-lock", SIGTERM)
                _ = holder.wait()
            }
        }
        let waiting = eventually(within: .seconds(10)) {
            (try? database.cluster.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vaewatch-test-lock' "
                    + "AND wait_event_type = 'Lock'", database: database.name)) == "1"
        }
        try #require(waiting, "the lock holder waits for the daemon's lock")
        // Only this test's database: other tests on the shared cluster run coordinators of their own.
        try database.cluster.psql(
            """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE application_name = 'vaewatch-coordinator' AND datname = current_database()
            """, database: database.name)
        let following = fixture.waitForStatus(within: .seconds(15)) { $0["role"] == "follower" }
        try #require(following != nil, "the daemon follows while the lock is held: \(daemon.errorText)")

        // SIGUSR1: forwarded to a leader that is not there.
        #expect(daemon.signal(SIGUSR1))
        let forwarded = eventually(within: .seconds(10)) {
            daemon.errorText.contains("retrain requested; another daemon trains")
        }
        #expect(forwarded, "the follower asks the leader: \(daemon.errorText)")
        pauseThread(.seconds(2))
        #expect(fixture.status()?.number("retrains") == 0, "no retrain while the daemon follows")

        // The holder's session ends: the daemon takes the lock and answers the request itself.
        try database.cluster.signalBackends(applicationName: "vaewatch-test-lock", SIGTERM)
        _ = holder.wait()
        holderEnded = true
        let retrained = fixture.waitForStatus(within: .seconds(60)) {
            $0["role"] == "leader" && ($0.number("retrains") ?? 0) >= 1
        }
        #expect(retrained != nil, "the daemon retrains once it leads: \(daemon.errorText)")
        #expect(daemon.errorText.contains("retrain.reason=signal"), "\(daemon.errorText)")
    }
}
