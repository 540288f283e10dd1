import PostgresStore
import TestSupport
import Testing

/// A terminated backend is a lost connection, recognised by `PQstatus` (finding L6, row P4 at library level).
@Suite("PostgresStore: connection loss")
struct ConnectionLossTests {
    /// Terminates `victim`'s backend from `killer`, waiting up to 5 s for it to exit.
    private func terminate(_ victim: Connection, from killer: Connection) throws {
        let terminated = try killer.execute(
            "SELECT pg_terminate_backend(\(.integer(Int64(victim.backendPID)))::int, 5000)")
        try #require(terminated.text(0, 0) == "t", "pg_terminate_backend(\(victim.backendPID)) failed")
    }

    @Test("pg_terminate_backend surfaces as connectionLost, not as a statement error")
    func terminatedWhileIdle() throws {
        let database = try TestDatabase()
        let victim = try database.connect()
        let killer = try database.connect()
        #expect(victim.backendPID > 0 && victim.backendPID != killer.backendPID)
        #expect(try victim.execute("SELECT pg_backend_pid()").text(0, 0) == String(victim.backendPID))
        try terminate(victim, from: killer)

        let error = try #require(postgresError { try victim.execute("SELECT 1") })
        print("after pg_terminate_backend: \(error)")
        #expect(error.kind == .connectionLost)
        #expect(error.needsReconnect)
        #expect(error.sqlState == nil)
        #expect(!victim.isOpen)
        let again = try #require(postgresError { try victim.execute("SELECT 1") })
        #expect(again.kind == .connectionLost, "a closed connection keeps failing as lost")
        #expect(try database.connect().execute("SELECT 1").text(0, 0) == "1", "a new connection works")
    }

    @Test("terminated inside an open transaction: connectionLost, and the uncommitted row is gone")
    func terminatedInTransaction() throws {
        let database = try TestDatabase()
        let victim = try database.connect()
        let killer = try database.connect()
        try killer.execute("CREATE TABLE t (x int)")
        try victim.execute("BEGIN")
        try victim.execute("INSERT INTO t VALUES (1)")
        try terminate(victim, from: killer)

        let error = try #require(postgresError { try victim.execute("INSERT INTO t VALUES (2)") })
        #expect(error.kind == .connectionLost && error.needsReconnect)
        #expect(!victim.isOpen)
        #expect(postgresError { try victim.execute("COMMIT") }?.kind == .connectionLost)
        #expect(try killer.execute("SELECT count(*) FROM t").text(0, 0) == "0")
    }

    @Test("close() makes later statements fail as connectionLost")
    func closedConnection() throws {
        let connection = try TestDatabase().connect()
        connection.close()
        #expect(!connection.isOpen)
        let error = try #require(postgresError { try connection.execute("SELECT 1") })
        #expect(error.kind == .connectionLost && error.message.contains("closed"))
        #expect(postgresError { try connection.quote(identifier: "x") }?.kind == .connectionLost)
        connection.close()
    }
}
