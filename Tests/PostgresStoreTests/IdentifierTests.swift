import Compute
import Detector
import PostgresStore
import TestSupport
import Testing

/// Hostile and awkward identifiers (finding L12, row P17 at library level): quoted, never executed.
@Suite("PostgresStore: identifiers")
struct IdentifierTests {
    /// A table name that is SQL injection when spliced into a statement unquoted.
    static let hostile = "t\"; DROP TABLE x; --"

    @Test("quote(identifier:) returns PQescapeIdentifier's form and refuses empty or NUL names")
    func quoting() throws {
        let connection = try TestDatabase().connect()
        #expect(try connection.quote(identifier: Self.hostile) == #""t""; DROP TABLE x; --""#)
        #expect(try connection.quote(identifier: "We\"ird") == #""We""ird""#)
        #expect(try connection.quote(identifier: "ünï cödé") == #""ünï cödé""#)
        #expect(postgresError { try connection.quote(identifier: "") }?.kind == .configuration)
        #expect(postgresError { try connection.quote(identifier: "a\u{0}b") }?.kind == .configuration)
    }

    @Test("a hostile identifier in a statement stays a name: 42P01, and table x survives")
    func hostileIdentifierStaysAName() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE TABLE x (v int)")
        let error = try #require(postgresError { try connection.execute("SELECT * FROM \(identifier: Self.hostile)") })
        #expect(error.kind == .statement && error.sqlState?.code == "42P01")
        #expect(try database.psql("SELECT to_regclass('public.x') IS NOT NULL") == "t")
    }

    @Test("resolving a hostile table or column name is a configuration error naming it; table x survives")
    func hostileSourceRejected() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        try connection.execute("CREATE TABLE x (id bigint PRIMARY KEY, v float8)")
        let name = "t\"; DROP TABLE x;--"
        let table = try #require(
            postgresError {
                try ResolvedSource.resolve(SourceTable(table: QualifiedName(parsing: name), key: "id"), on: connection)
            })
        #expect(table.kind == .configuration)
        #expect(table.message.contains(name), "\(table)")
        let schema = try #require(
            postgresError {
                try ResolvedSource.resolve(
                    SourceTable(table: QualifiedName(schema: name, name: "x"), key: "id"), on: connection)
            })
        #expect(schema.kind == .configuration)
        let column = try #require(
            postgresError {
                try ResolvedSource.resolve(
                    SourceTable(table: QualifiedName(parsing: "x"), key: "id", columns: [name]), on: connection)
            })
        #expect(column.kind == .configuration && column.message.contains(name))
        let key = try #require(
            postgresError {
                try ResolvedSource.resolve(SourceTable(table: QualifiedName(parsing: "x"), key: name), on: connection)
            })
        #expect(key.kind == .configuration && key.message.contains(name))
        #expect(try database.psql("SELECT count(*) FROM x") == "0", "table x still exists")
    }

    @Test("a table whose name holds a quote and upper case is found by its exact name and the queue works on it")
    func weirdTableWorks() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        try connection.execute(
            #"CREATE TABLE "We""ird" ("Id" bigint PRIMARY KEY, "Va""l" float8, "lower case" real, note text)"#)
        try connection.execute(#"CREATE TABLE weird (id bigint PRIMARY KEY, other float8)"#)
        let source = SourceTable(table: QualifiedName(parsing: "We\"ird"), key: "Id")
        let table = try ResolvedSource.resolve(source, on: connection)
        #expect(table.table == "We\"ird" && table.schema == "public")
        #expect(table.columns == ["Va\"l", "lower case"])
        #expect(table.name == "public.We\"ird")
        #expect(
            postgresError {
                try ResolvedSource.resolve(
                    SourceTable(table: QualifiedName(parsing: "we\"ird"), key: "Id"), on: connection)
            }?.kind == .configuration, "names are exact: no case folding")

        try QueueSource.installTrigger(table, on: connection)
        try connection.execute(#"INSERT INTO "We""ird" VALUES (1, 0.5, 1.5, 'a'), (2, -1, 2, 'b'), (3, 4, NULL, 'c')"#)
        try connection.execute("BEGIN")
        let queue = QueueSource(table: table)
        let batch = try queue.claim(connection, limit: 10)
        #expect(batch.claimed == 3 && batch.rejected.isEmpty)
        #expect(batch.records.keys == ["1", "2", "3"])
        #expect(batch.records.features.row(1) == [-1, 2])
        #expect(batch.records.observed?[2, 1] == 0, "the NULL feature is missing")
        queue.advance(connection, past: batch)
        #expect(try connection.execute("COMMIT").commandTag == "COMMIT")
        #expect(try database.psql("SELECT count(*) FROM vaewatch.queue") == "0")
        #expect(try database.psql("SELECT count(*) FROM weird") == "0")
    }
}
