import PostgresStore
import TestSupport
import Testing

/// Server-side timeouts (finding L7, rows P13 and P14 at library level): statement errors with their SQLSTATE, and
/// the connection stays open.
@Suite("PostgresStore: server-side timeouts")
struct TimeoutTests {
    @Test("statement_timeout cancels with 57014 and keeps the connection")
    func statementTimeout() throws {
        let database = try TestDatabase()
        var settings = database.settings()
        settings.statementTimeout = .milliseconds(300)
        let connection = try database.connect(settings)
        #expect(try connection.execute("SHOW statement_timeout").text(0, 0) == "300ms")
        let (result, elapsed) = timed { try connection.execute("SELECT pg_sleep(2)") }
        print("statement_timeout 300 ms: pg_sleep(2) cancelled after \(elapsed) s")
        let error = try #require(result.failure as? PostgresError)
        #expect(error.kind == .statement)
        #expect(error.sqlState?.code == "57014" && error.sqlState?.isTransient == true)
        #expect(error.message.contains("statement timeout"))
        #expect(!error.needsReconnect)
        #expect(elapsed >= 0.25 && elapsed < 1.5)
        #expect(connection.isOpen)
        #expect(try connection.execute("SELECT 1").text(0, 0) == "1")
    }

    @Test("lock_timeout gives 55P03 while another session holds LOCK TABLE")
    func lockTimeout() throws {
        let database = try TestDatabase()
        let holder = try database.connect()
        try holder.execute("CREATE TABLE t (x int)")
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")

        var settings = database.settings()
        settings.lockTimeout = .milliseconds(200)
        let waiter = try database.connect(settings)
        #expect(try waiter.execute("SHOW lock_timeout").text(0, 0) == "200ms")
        let (result, elapsed) = timed { try waiter.execute("SELECT count(*) FROM t") }
        print("lock_timeout 200 ms: gave up after \(elapsed) s")
        let error = try #require(result.failure as? PostgresError)
        #expect(error.kind == .statement && error.sqlState?.code == "55P03")
        #expect(error.sqlState?.isTransient == true)
        #expect(elapsed >= 0.15 && elapsed < 0.7, "no statement waits longer than lock_timeout + 0.5 s")
        #expect(waiter.isOpen)

        try holder.execute("ROLLBACK")
        #expect(try waiter.execute("SELECT count(*) FROM t").text(0, 0) == "0")
    }

    @Test("the default settings send statement_timeout 8 s and lock_timeout 2 s; nil leaves the server's")
    func defaultTimeouts() throws {
        let database = try TestDatabase()
        let defaults = try database.connect()
        #expect(try defaults.execute("SHOW statement_timeout").text(0, 0) == "8s")
        #expect(try defaults.execute("SHOW lock_timeout").text(0, 0) == "2s")
        var settings = database.settings(" options='-c work_mem=5MB'")
        settings.statementTimeout = nil
        settings.lockTimeout = nil
        let plain = try database.connect(settings)
        #expect(try plain.execute("SHOW statement_timeout").text(0, 0) == "0")
        #expect(try plain.execute("SHOW lock_timeout").text(0, 0) == "0")
        #expect(try plain.execute("SHOW work_mem").text(0, 0) == "5MB")
        settings.statementTimeout = .milliseconds(1500)
        let merged = try database.connect(settings)
        #expect(try merged.execute("SHOW work_mem").text(0, 0) == "5MB", "the conninfo's own options are kept")
        #expect(try merged.execute("SHOW statement_timeout").text(0, 0) == "1500ms")
    }
}
