import Detector
import PostgresStore
import TestSupport
import Testing

/// ``QueueSource/claim(_:limit:)``: where a claim starts in the queue, and that nothing below it is left behind.
@Suite("PostgresStore: queue claims")
struct QueueClaimTests {
    /// A migrated database with `public.metrics` under the queue trigger, and its queue source readied.
    private static func queue() throws -> (TestDatabase, Connection, QueueSource) {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        try connection.execute("CREATE TABLE public.metrics (id bigint PRIMARY KEY, a float8)")
        let table = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "metrics"), key: "id"), on: connection)
        try QueueSource.installTrigger(table, on: connection)
        let source = QueueSource(table: table)
        try source.prepare(connection)
        return (database, connection, source)
    }

    /// One claim of up to `limit` keys, committed; the keys claimed.
    private static func claim(_ source: QueueSource, on connection: Connection, limit: Int) throws -> [String] {
        let batch = try connection.transaction { (connection) throws(PostgresError) -> SourceBatch in
            try source.claim(connection, limit: limit)
        }
        source.committed(batch)
        return batch.records.keys
    }

    @Test("a full claim moves the floor past it; a key queued below the floor is claimed once a claim comes back short")
    func keyBelowTheFloor() throws {
        let (database, connection, source) = try Self.queue()
        try connection.execute("INSERT INTO metrics SELECT i, i FROM generate_series(1, 20) i")
        #expect(try Self.claim(source, on: connection, limit: 10) == (1...10).map(String.init))
        // Queued with an id below the floor, as a transaction that drew its id early and committed late would.
        let lowest = try #require(try database.psql("SELECT min(id) FROM vaewatch.queue").split(separator: "|").first)
        try database.psql("SET session_replication_role = replica; INSERT INTO metrics VALUES (100, 1)")
        try database.psql(
            "INSERT INTO vaewatch.queue (id, source, source_id) VALUES (\(lowest) - 5, 'public.metrics', '100')")
        #expect(try Self.claim(source, on: connection, limit: 10) == (11...20).map(String.init), "from the floor")
        #expect(try Self.claim(source, on: connection, limit: 10).isEmpty, "past the floor, the queue is empty: short")
        #expect(
            try Self.claim(source, on: connection, limit: 10) == ["100"], "a short claim sends the next to the head")
        #expect(try database.psql("SELECT count(*) FROM vaewatch.queue") == "0")
    }

    @Test("a claim rolled back leaves the floor where it was: its keys are claimed again")
    func rolledBackClaim() throws {
        let (_, connection, source) = try Self.queue()
        try connection.execute("INSERT INTO metrics SELECT i, i FROM generate_series(1, 30) i")
        #expect(try Self.claim(source, on: connection, limit: 10) == (1...10).map(String.init))
        try connection.execute("BEGIN")
        #expect(try source.claim(connection, limit: 10).records.keys == (11...20).map(String.init))
        try connection.execute("ROLLBACK")
        #expect(try Self.claim(source, on: connection, limit: 10) == (11...20).map(String.init))
        #expect(try Self.claim(source, on: connection, limit: 10) == (21...30).map(String.init))
    }
}
