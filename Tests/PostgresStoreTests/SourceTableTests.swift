import Compute
import Detector
import PostgresStore
import TestSupport
import Testing

/// ``ResolvedSource/resolve(_:on:)`` checks the configured table against the catalog, and claims turn values that
/// cannot be scored into rejected rows instead of failing.
@Suite("PostgresStore: source tables")
struct SourceTableTests {
    /// A database with table `public.m` of every feature type plus text and timestamp columns.
    static func database() throws -> (TestDatabase, Connection) {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        try connection.execute(
            """
            CREATE TABLE public.m (
                id bigint PRIMARY KEY, cpu float8, label text, mem real, n numeric(12, 3), s smallint,
                ts timestamptz, i integer, b bigint
            )
            """)
        return (database, connection)
    }

    /// The configuration error `resolve` throws for `source`.
    static func refusal(_ source: SourceTable, _ connection: Connection) throws -> String {
        let error = try #require(postgresError { try ResolvedSource.resolve(source, on: connection) })
        #expect(error.kind == .configuration, "\(error)")
        return error.message
    }

    @Test("each configuration mistake gets a configuration error that says what is wrong")
    func mistakesAreExplained() throws {
        let (_, connection) = try Self.database()
        let m = QualifiedName(parsing: "m")
        let missing = try Self.refusal(SourceTable(table: QualifiedName(parsing: "nope"), key: "id"), connection)
        #expect(missing.contains("source table nope not found"))

        let key = try Self.refusal(SourceTable(table: m, key: "uid"), connection)
        #expect(
            key == "key column uid is not a column of public.m; its columns are id, cpu, label, mem, n, s, ts, i, b")

        let feature = try Self.refusal(SourceTable(table: m, key: "id", columns: ["cpu", "disk"]), connection)
        #expect(feature.hasPrefix("feature column disk is not a column of public.m"))

        let text = try Self.refusal(SourceTable(table: m, key: "id", columns: ["cpu", "label"]), connection)
        #expect(
            text
                == "feature column label of public.m has type text; features must be smallint, integer, bigint, "
                + "real, double precision or numeric")
        let time = try Self.refusal(SourceTable(table: m, key: "id", columns: ["ts"]), connection)
        #expect(time.contains("has type timestamp with time zone"))

        let keyAsFeature = try Self.refusal(SourceTable(table: m, key: "id", columns: ["cpu", "id"]), connection)
        #expect(keyAsFeature.contains("key column id cannot also be a feature"))

        let twice = try Self.refusal(SourceTable(table: m, key: "id", columns: ["cpu", "mem", "cpu"]), connection)
        #expect(twice.contains("listed twice"))

        try connection.execute("CREATE TABLE only_text (id bigint PRIMARY KEY, label text)")
        let none = try Self.refusal(SourceTable(table: QualifiedName(parsing: "only_text"), key: "id"), connection)
        #expect(none.contains("has no numeric column besides the key id"))

        try connection.execute("CREATE VIEW v AS SELECT * FROM m")
        #expect(
            try Self.refusal(SourceTable(table: QualifiedName(parsing: "v"), key: "id"), connection).contains(
                "not found"))
    }

    @Test("default columns are the numeric ones but the key, in table order; the catalog's types are kept")
    func defaultColumns() throws {
        let (_, connection) = try Self.database()
        let table = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "m"), key: "id"), on: connection)
        #expect(table.columns == ["cpu", "mem", "n", "s", "i", "b"])
        #expect(table.numericColumns == ["n"])
        #expect(table.keyType == "bigint")
        #expect(table.schema == "public" && table.table == "m" && table.name == "public.m")
        #expect(table.qualified == QualifiedName(schema: "public", name: "m"))
        let named = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "m"), key: "id", columns: ["b", "cpu"], name: "custom"),
            on: connection)
        #expect(named.columns == ["b", "cpu"] && named.name == "custom" && named.numericColumns.isEmpty)
    }

    @Test("schema-qualified names pick the right table; a table off the search path needs its schema")
    func schemaQualified() throws {
        let (_, connection) = try Self.database()
        try connection.execute("CREATE SCHEMA other")
        try connection.execute("CREATE TABLE other.m (key text PRIMARY KEY, z float8)")
        try connection.execute("CREATE TABLE other.hidden (key text PRIMARY KEY, z float8)")
        let other = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "other.m"), key: "key"), on: connection)
        #expect(other.schema == "other" && other.columns == ["z"] && other.keyType == "text")
        #expect(other.name == "other.m")
        let visible = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "m"), key: "id"), on: connection)
        #expect(visible.schema == "public" && visible.oid != other.oid)
        #expect(
            try Self.refusal(SourceTable(table: QualifiedName(parsing: "hidden"), key: "key"), connection)
                .contains("not found"))
        let hidden = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "other.hidden"), key: "key"), on: connection)
        #expect(hidden.table == "hidden")
    }

    @Test("numeric values beyond a double or NaN become rejected rows; NULL becomes a missing value")
    func unscorableValuesAreRejected() throws {
        let (database, connection) = try Self.database()
        try connection.execute("ALTER TABLE m ALTER COLUMN n TYPE numeric")
        let table = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "m"), key: "id", columns: ["cpu", "n"]), on: connection)
        #expect(table.numericColumns == ["n"])
        try QueueSource.installTrigger(table, on: connection)
        try connection.execute(
            """
            INSERT INTO m (id, cpu, n) VALUES (1, 0.5, 2.25), (2, 1, 1e400), (3, 1, 'NaN'), (4, NULL, 7),
                (5, 1e300, 1), (6, 2, -1e400), (7, 'Infinity', 1), (8, 3, NULL)
            """)
        try connection.execute("BEGIN")
        let queue = QueueSource(table: table)
        let batch = try queue.claim(connection, limit: 100)
        #expect(batch.claimed == 8)
        #expect(batch.records.keys == ["1", "4", "8"])
        #expect(batch.records.features.row(0) == [0.5, 2.25])
        let observed = try #require(batch.records.observed, "NULL features make an observed mask")
        #expect(observed.row(0) == [1, 1] && observed.row(1) == [0, 1] && observed.row(2) == [1, 0])
        #expect(batch.records.features[1, 0] == 0 && batch.records.features[2, 1] == 0)

        let reasons = Dictionary(uniqueKeysWithValues: batch.rejected.map { ($0.key, $0.reason) })
        print("rejected rows: \(reasons.sorted { $0.key < $1.key })")
        #expect(Set(reasons.keys) == ["2", "3", "5", "6", "7"])
        for key in ["2", "3", "6"] {
            #expect(reasons[key]?.contains("column n") == true && reasons[key]?.contains("not finite") == true)
        }
        #expect(reasons["5"]?.contains("column cpu") == true && reasons["5"]?.contains("float32") == true)
        #expect(reasons["7"]?.contains("column cpu") == true && reasons["7"]?.contains("not finite") == true)
        queue.advance(connection, past: batch)
        try connection.execute("COMMIT")
        #expect(try database.psql("SELECT count(*) FROM vaewatch.queue") == "0")
    }
}
