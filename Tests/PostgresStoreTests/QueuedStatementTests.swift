import PostgresStore
import TestSupport
import Testing

/// ``Connection/enqueue(_:)``: statements that go with the next statement waited for, in its round trip.
@Suite("PostgresStore: queued statements")
struct QueuedStatementTests {
    @Test("queued statements run first, in order; the statement waited for returns its own rows")
    func runFirstInOrder() throws {
        let connection = try TestDatabase().connect()
        connection.enqueue("CREATE TABLE t (x int)")
        connection.enqueue("INSERT INTO t VALUES (\(.integer(1))), (2)")
        connection.enqueue("UPDATE t SET x = x * 10")
        let sum = try connection.execute("SELECT sum(x)::int, count(*)::int FROM t", binary: true)
        #expect(sum.integer(0, 0) == 30 && sum.integer(0, 1) == 2, "binary rows of the last statement")
        #expect(try connection.execute("SELECT count(*) FROM t").text(0, 0) == "2", "nothing left queued")
    }

    @Test("a failed queued statement fails the next one with its error; outside a transaction all or nothing")
    func failureOutsideTransaction() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE TABLE t (x int)")
        connection.enqueue("INSERT INTO t VALUES (1)")
        connection.enqueue("INSERT INTO t VALUES ('not a number')")
        connection.enqueue("INSERT INTO t VALUES (3)")
        let error = try #require(postgresError { try connection.execute("INSERT INTO t VALUES (4)") })
        #expect(error.kind == .statement && error.sqlState?.code == "22P02", "the queued statement's error: \(error)")
        #expect(connection.isOpen, "a statement error keeps the connection")
        // The queued statements and the next one are one implicit transaction, up to the pipeline's end.
        #expect(try database.psql("SELECT count(*) FROM t") == "0")
        #expect(try connection.execute("SELECT 1").text(0, 0) == "1", "out of pipeline mode, nothing queued")
    }

    @Test("in a transaction, a failed queued statement fails the COMMIT's round trip and nothing commits")
    func failureInTransaction() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE TABLE t (x int PRIMARY KEY)")
        let error = postgresError {
            try connection.transaction { (connection) throws(PostgresError) in
                try connection.execute("INSERT INTO t VALUES (1)")
                connection.enqueue("INSERT INTO t VALUES (1)")
                connection.enqueue("INSERT INTO t VALUES (2)")
            }
        }
        #expect(error?.sqlState?.code == "23505", "the duplicate key, reported by the COMMIT's round trip")
        #expect(try database.psql("SELECT count(*) FROM t") == "0")
        try connection.execute("INSERT INTO t VALUES (5)")
        #expect(try database.psql("SELECT count(*) FROM t") == "1", "rolled back and idle again")
    }

    @Test("a COPY takes queued statements without parameters into its query; those with parameters run first")
    func copyTakesQueued() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE TABLE c (v int)")
        connection.enqueue("INSERT INTO c VALUES (\(.integer(7)))")
        connection.enqueue("INSERT INTO c VALUES (8)")
        var made = false
        let copied = try connection.copyIn("COPY c FROM STDIN") {
            made = true
            return Array("1\n2\n".utf8)
        }
        #expect(copied == 2 && made)
        #expect(try database.psql("SELECT string_agg(v::text, ',' ORDER BY v) FROM c") == "1,2,7,8")

        connection.enqueue("INSERT INTO c VALUES (9)")
        #expect(postgresError { try connection.copyIn("COPY c FROM STDIN") { Array("x\n".utf8) } } != nil)
        #expect(try database.psql("SELECT count(*) FROM c") == "4", "the queued INSERT failed with its COPY")
    }

    @Test("a closed connection drops what was queued")
    func closeDropsQueued() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE TABLE t (x int)")
        connection.enqueue("INSERT INTO t VALUES (1)")
        connection.close()
        #expect(postgresError { try connection.execute("SELECT 1") }?.kind == .connectionLost)
        #expect(try database.psql("SELECT count(*) FROM t") == "0")
    }
}
