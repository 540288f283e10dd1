import TestSupport
import Testing

/// A fresh database on the shared test cluster holding `public.keyed (k <key type> PRIMARY KEY, x0 … x7)` (or a
/// table of the caller's own), the settings of a daemon serving it with the shared model, and the SQL checks of
/// "every row has exactly one verdict or one dead letter" for a key of any type.
struct KeyedDatabase {
    /// The shared cluster.
    let cluster: PostgresCluster
    /// The database's name.
    let name: String
    /// The source table, schema-qualified.
    let table: String
    /// The key column.
    let key: String
    /// libpq conninfo for `database.url`.
    var conninfo: String { cluster.conninfo(database: name) }

    /// The session settings in which every check reads keys as text: those vaewatch pins on its own connections.
    static let canonical = "SET datestyle = 'ISO, YMD'; SET timezone = 'UTC'; SET extra_float_digits = 1; "

    /// A database made already.
    init(cluster: PostgresCluster, name: String, table: String, key: String) {
        self.cluster = cluster
        self.name = name
        self.table = table
        self.key = key
    }

    /// Creates the database and runs `create` in it (which makes `table`).
    init(table: String = "public.keyed", key: String = "k", create: String) throws {
        let cluster = try PostgresCluster.shared()
        self.init(cluster: cluster, name: try cluster.createDatabase(), table: table, key: key)
        try cluster.psql(create, database: name)
    }

    /// `public.keyed (k <keyType> PRIMARY KEY, x0 … x7 <featureType>)`.
    init(keyType: String, featureType: String = "float8") throws {
        let columns = (0..<8).map { "x\($0) \(featureType)" }.joined(separator: ", ")
        try self.init(create: "CREATE TABLE public.keyed (k \(keyType) PRIMARY KEY, \(columns))")
    }

    /// `vaewatch init-db` (or `backfill`, …) on this table with `arguments` after the source and key.
    func run(_ command: String, _ arguments: [String] = [], in directory: TestDirectory) throws -> RunResult {
        try vaewatch(
            [command, "--database", conninfo, "--source", table, "--key", key] + arguments, in: directory)
    }

    /// Settings for a daemon scoring this table with the shared model (``ServeModel``), plus `settings`, which win.
    func settings(_ settings: [(name: String, value: String)] = []) throws -> [(name: String, value: String)] {
        let base: [(name: String, value: String)] = [
            ("source.kind", "postgres"), ("source.table", table), ("source.key", key), ("source.mode", "queue"),
            ("source.batch", "40"), ("source.poll", "0.2"), ("database.url", "\"\(conninfo)\""),
            ("sink.kind", "postgres"), ("model.path", try ServeModel.path()), ("training.every_seconds", "0"),
            ("log.level", "info"),
        ]
        return base.filter { item in !settings.contains { $0.name == item.name } } + settings
    }

    /// Inserts one row per `i` of `ids`, key `keyExpression(i)`, features smooth functions of `i`, in one
    /// statement of a session that first runs `session` (SET commands).
    func insert(_ ids: ClosedRange<Int>, key keyExpression: String, session: String = "") throws {
        let features = (0..<8).map { "sin(i * 0.0137 * \($0 + 1)) + cos(i * 0.0071 + \($0))" }.joined(separator: ", ")
        try cluster.psql(
            "\(session)INSERT INTO \(table) SELECT \(keyExpression), \(features) "
                + "FROM generate_series(\(ids.lowerBound), \(ids.upperBound)) i",
            database: name)
    }

    /// One number from `sql`, read in the canonical session.
    func count(_ sql: String) throws -> Int {
        Int(try cluster.psql(Self.canonical + sql, database: name)) ?? -1
    }

    /// The invariant, read in the canonical session: source rows, rows with neither a verdict nor a dead letter
    /// (lost), verdicts whose key is not the canonical text of any row (a second verdict under another text, or a
    /// verdict for no row), verdicts in all, dead letters, and keys still queued.
    func audit() throws -> Audit {
        let row = try cluster.psql(
            Self.canonical
                + """
                SELECT (SELECT count(*) FROM \(table)),
                       (SELECT count(*) FROM \(table) r WHERE NOT EXISTS (
                            SELECT 1 FROM vaewatch.scores s WHERE s.source_id = r.\(key)::text)
                        AND NOT EXISTS (SELECT 1 FROM vaewatch.dead_letters d WHERE d.source_id = r.\(key)::text)),
                       (SELECT count(*) FROM vaewatch.scores s WHERE NOT EXISTS (
                            SELECT 1 FROM \(table) r WHERE s.source_id = r.\(key)::text)),
                       (SELECT count(*) FROM vaewatch.scores),
                       (SELECT count(*) FROM vaewatch.dead_letters),
                       (SELECT count(*) FROM vaewatch.queue)
                """, database: name)
        let values = row.split(separator: "|").map { Int($0) ?? -1 }
        try #require(values.count == 6, "audit query: \(row)")
        return Audit(
            rows: values[0], lost: values[1], strays: values[2], verdicts: values[3], deadLetters: values[4],
            queued: values[5])
    }

    /// What ``audit()`` read.
    struct Audit: CustomStringConvertible {
        var rows: Int
        var lost: Int
        var strays: Int
        var verdicts: Int
        var deadLetters: Int
        var queued: Int

        /// Every row has exactly one verdict, nothing is dead-lettered or left in the queue.
        var exactlyOnce: Bool { lost == 0 && strays == 0 && verdicts == rows && deadLetters == 0 && queued == 0 }

        var description: String {
            "rows \(rows), lost \(lost), strays \(strays), verdicts \(verdicts), dead letters \(deadLetters), "
                + "queued \(queued)"
        }
    }
}
