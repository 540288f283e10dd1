import TestSupport
import Testing

/// A fresh database on the shared test cluster (or a cluster of the test's own) for PostgreSQL-mode `vaewatch serve` tests: the table
/// `public.metrics (id bigint PRIMARY KEY, x0 … x7 float8)`, prepared by `vaewatch init-db` (queue mode: a trigger
/// enqueues new keys), and the SQL checks of "0 lost / 0 dup".
struct ServeDatabase {
    /// The shared cluster, or the one given.
    let cluster: PostgresCluster
    /// The database's name.
    let name: String
    /// libpq conninfo for `database.url`.
    var conninfo: String { cluster.conninfo(database: name) }
    /// The name verdicts are filed under in `vaewatch.scores.source`.
    static let source = "public.metrics"

    /// Creates the database and the table on `cluster` (the shared one when nil), and runs `vaewatch init-db` on it
    /// for `mode` (queue or watermark).
    init(in directory: TestDirectory, mode: String = "queue", cluster: PostgresCluster? = nil) throws {
        self.cluster = try cluster ?? PostgresCluster.shared()
        name = try self.cluster.createDatabase()
        let columns = (0..<8).map { "x\($0) float8" }.joined(separator: ", ")
        try self.cluster.psql("CREATE TABLE public.metrics (id bigint PRIMARY KEY, \(columns))", database: name)
        let result = try vaewatch(
            [
                "init-db", "--database", self.cluster.conninfo(database: name), "--source", Self.source, "--key", "id",
                "--mode", mode,
            ],
            in: directory)
        try #require(result.status == 0, "init-db: \(result.stderr)")
    }

    /// Settings for a daemon scoring this database with the shared model (``ServeModel``), plus `settings`, which
    /// win over these.
    func settings(_ settings: [(name: String, value: String)] = []) throws -> [(name: String, value: String)] {
        let base: [(name: String, value: String)] = [
            ("source.kind", "postgres"), ("source.table", Self.source), ("source.key", "id"),
            ("source.mode", "queue"), ("source.batch", "5000"), ("source.poll", "0.2"),
            ("database.url", "\"\(conninfo)\""), ("sink.kind", "postgres"), ("model.path", try ServeModel.path()),
            ("training.every_seconds", "0"), ("log.level", "info"),
        ]
        return base.filter { item in !settings.contains { $0.name == item.name } } + settings
    }

    /// Inserts rows `first ..< first + count` in one statement; their features are smooth functions of the id.
    func insert(from first: Int, count: Int) throws {
        let features = (0..<8).map { "sin(i * 0.0137 * \($0 + 1)) + cos(i * 0.0071 + \($0))" }.joined(separator: ", ")
        try cluster.psql(
            "INSERT INTO public.metrics SELECT i, \(features) FROM generate_series(\(first), \(first + count - 1)) i",
            database: name)
    }

    /// The keys still queued for scoring.
    func queued() throws -> Int { Int(try cluster.psql("SELECT count(*) FROM vaewatch.queue", database: name)) ?? -1 }

    /// The verdicts written so far.
    func scored() throws -> Int {
        Int(try cluster.psql("SELECT count(*) FROM vaewatch.scores", database: name)) ?? -1
    }

    /// The invariant of "0 lost / 0 dup": source rows without a verdict, verdicts beyond one per source row, verdicts
    /// for no source row, and dead-lettered rows.
    func audit() throws -> (rows: Int, lost: Int, duplicated: Int, strays: Int, deadLetters: Int) {
        let row = try cluster.psql(
            """
            SELECT (SELECT count(*) FROM public.metrics),
                   (SELECT count(*) FROM public.metrics r WHERE NOT EXISTS (
                        SELECT 1 FROM vaewatch.scores s
                        WHERE s.source = '\(Self.source)' AND s.source_id = r.id::text)),
                   (SELECT count(*) - count(DISTINCT (source, source_id)) FROM vaewatch.scores),
                   (SELECT count(*) FROM vaewatch.scores s WHERE NOT EXISTS (
                        SELECT 1 FROM public.metrics r WHERE s.source_id = r.id::text)),
                   (SELECT count(*) FROM vaewatch.dead_letters)
            """, database: name)
        let values = row.split(separator: "|").map { Int($0) ?? -1 }
        try #require(values.count == 5, "audit query: \(row)")
        return (values[0], values[1], values[2], values[3], values[4])
    }
}
