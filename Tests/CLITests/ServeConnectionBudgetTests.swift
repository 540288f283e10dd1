import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 17, item 9b: the daemon says how many connections it opens, refuses at start a `source.workers` that can
/// never fit the server's `max_connections`, and logs a connection that cannot be opened (once, then throttled).
@Suite("vaewatch serve (PostgreSQL): connections counted, checked and their failures logged")
struct ServeConnectionBudgetTests {
    @Test("source.workers 64 in queue mode needs 130 connections: exit 78 naming both numbers and the fix")
    func workersBeyondMaxConnections() throws {
        let directory = try TestDirectory("budget-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let maximum = try #require(Int(try database.cluster.psql("SHOW max_connections")))
        let reserved = try #require(Int(try database.cluster.psql("SHOW superuser_reserved_connections")))
        let fixture = try ServeFixture("budget", settings: try database.settings([("source.workers", "64")]))
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        let ending = daemon.waitForExit(within: .seconds(20))
        let log = daemon.errorText
        print(
            "source.workers 64 against max_connections \(maximum) (\(reserved) reserved): \(ending?.description ?? "running")\n\(log)"
        )
        #expect(ending?.status == 78, "\(ending?.description ?? "still running")\n\(log)")
        // 64 pipelines with a LISTEN connection each, and one for the model registry.
        #expect(log.contains("db.connections=130"), "the start says how many connections: \(log)")
        let refusal = daemon.lines(.stderr).map(\.text).first { $0.contains("max_connections") && $0.contains("130") }
        let line = try #require(refusal, "no refusal naming max_connections and 130:\n\(log)")
        #expect(line.contains("\(maximum - reserved)"), "the refusal names what the server allows: \(line)")
        #expect(line.contains("source.workers"), "the refusal says what to change: \(line)")
        let pipelines = try database.cluster.psql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '\(database.name)' AND application_name LIKE 'vaewatch%'"
        )
        #expect(pipelines == "0", "nothing left connected")
    }

    @Test("a LISTEN connection refused by the role's connection limit is logged once, with libpq's reason")
    func listenerFailureLogged() throws {
        let directory = try TestDirectory("budget-listen-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let role = try database.loginRole(selectOnSource: true)
        let fixture = try ServeFixture(
            "budget-listen",
            settings: try database.settings([
                ("database.url", "\"\(database.conninfo(user: role))\""), ("source.workers", "1"),
            ]))
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        let listening =
            "SELECT count(*) FROM pg_stat_activity WHERE usename = '\(role)' AND application_name = 'vaewatch-listen'"
        try #require(
            eventually(within: .seconds(10)) { (try? database.cluster.psql(listening)) == "1" },
            "the daemon never listened:\n\(daemon.errorText)")
        // From now on the role may hold one connection, the pipeline's: the listener cannot come back.
        try database.cluster.psql("ALTER ROLE \(role) CONNECTION LIMIT 1")
        try database.cluster.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(role)' "
                + "AND application_name = 'vaewatch-listen'")
        let reason = "too many connections for role \"\(role)\""
        pauseThread(.seconds(10))
        #expect(daemon.isRunning, "\(daemon.errorText)")
        let serverLog = String(decoding: try readFile(database.cluster.logFile), as: UTF8.self)
        let refusals = serverLog.ranges(of: reason).count
        // The log quotes the reason as a metadata value, its quotes escaped.
        let logged = daemon.lines(.stderr).filter {
            $0.text.contains("too many connections for role") && $0.text.contains(role)
        }
        print(
            "listener refused \(refusals) times by the server in 10 s; logged \(logged.count) times:\n"
                + logged.map(\.text).joined(separator: "\n"))
        #expect(refusals >= 2, "the listener retried (with backoff) more than once")
        #expect(logged.count == 1, "one line for repeated identical failures:\n\(daemon.errorText)")
        #expect(logged.first?.text.contains("LISTEN connection") == true, "the line says which connection: \(logged)")
    }
}
