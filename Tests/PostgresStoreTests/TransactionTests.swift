import PostgresStore
import TestSupport
import Testing

/// `Connection.transaction`: BEGIN, the body, COMMIT checked by its command tag, ROLLBACK on failure.
@Suite("PostgresStore: transactions")
struct TransactionTests {
    /// A database with a table `t (x int)`, a connection to work on and one to look from.
    private struct Fixture {
        let worker: Connection
        let observer: Connection

        init(_ table: Query = "CREATE TABLE t (x int)") throws {
            let database = try TestDatabase()
            worker = try database.connect()
            observer = try database.connect()
            try observer.execute(table)
        }

        /// Rows in `t`, as the other connection sees them.
        var rows: String? { get throws { try observer.execute("SELECT count(*) FROM t").text(0, 0) } }

        /// Whether the worker is outside any transaction: a row it inserts is visible to the observer at once.
        func workerIsIdle() throws -> Bool {
            try worker.execute("TRUNCATE t")
            try worker.execute("INSERT INTO t VALUES (42)")
            return try rows == "1"
        }
    }

    @Test("the body's statements commit together, and its value is returned")
    func commits() throws {
        let fixture = try Fixture()
        let inserted = try fixture.worker.transaction { (connection) throws(PostgresError) -> Int in
            try connection.execute("INSERT INTO t VALUES (1), (2)").affectedRows
        }
        #expect(inserted == 2)
        #expect(try fixture.rows == "2")
        #expect(try fixture.workerIsIdle())
    }

    @Test("a statement error in the body is rethrown, the transaction rolled back, the connection kept")
    func statementErrorRollsBack() throws {
        let fixture = try Fixture()
        let error = try #require(
            postgresError {
                try fixture.worker.transaction { (connection) throws(PostgresError) in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    try connection.execute("SELECT 1 / 0")
                }
            })
        #expect(error.kind == .statement && error.sqlState == SQLState("22012"))
        #expect(fixture.worker.isOpen)
        #expect(try fixture.rows == "0")
        #expect(try fixture.workerIsIdle())
    }

    @Test("an error the body throws itself rolls back too")
    func bodyErrorRollsBack() throws {
        let fixture = try Fixture()
        let error = try #require(
            postgresError {
                try fixture.worker.transaction { (connection) throws(PostgresError) in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    throw PostgresError(.configuration, message: "the body gave up")
                }
            })
        #expect(error.kind == .configuration && error.message == "the body gave up")
        #expect(try fixture.rows == "0")
        #expect(try fixture.workerIsIdle())
    }

    @Test("a COMMIT that answers ROLLBACK (an error the body swallowed) throws; nothing is committed")
    func commitAnsweringRollback() throws {
        let fixture = try Fixture()
        let error = try #require(
            postgresError {
                try fixture.worker.transaction { (connection) throws(PostgresError) in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    _ = try? connection.execute("SELECT 1 / 0")
                }
            })
        #expect(error.kind == .statement)
        #expect(error.message == "COMMIT answered ROLLBACK; the batch is redone")
        #expect(try fixture.rows == "0")
        #expect(try fixture.workerIsIdle())
    }

    @Test("a COMMIT that fails (a deferred unique check) is rethrown; nothing is committed, the connection kept")
    func commitFails() throws {
        let fixture = try Fixture("CREATE TABLE t (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
        let error = try #require(
            postgresError {
                try fixture.worker.transaction { (connection) throws(PostgresError) in
                    try connection.execute("INSERT INTO t VALUES (1), (1)")
                }
            })
        #expect(error.kind == .statement && error.sqlState == SQLState("23505"))
        #expect(fixture.worker.isOpen)
        #expect(try fixture.rows == "0")
        #expect(try fixture.workerIsIdle())
    }

    @Test("a connection lost in the body: connectionLost, the connection closed, the uncommitted row gone")
    func lostConnection() throws {
        let fixture = try Fixture()
        let error = try #require(
            postgresError {
                try fixture.worker.transaction { (connection) throws(PostgresError) in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    let pid = Int64(connection.backendPID)
                    try fixture.observer.execute("SELECT pg_terminate_backend(\(.integer(pid))::int, 5000)")
                    try connection.execute("INSERT INTO t VALUES (2)")
                }
            })
        #expect(error.kind == .connectionLost && error.needsReconnect)
        #expect(!fixture.worker.isOpen)
        #expect(try fixture.rows == "0")
    }
}
