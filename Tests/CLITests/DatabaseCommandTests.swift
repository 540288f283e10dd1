import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `init-db`, `backfill` and `models` against a real PostgreSQL (the shared test cluster, a database per test).
@Suite("vaewatch init-db, backfill, models")
struct DatabaseCommandTests {
    /// A fresh database with `public.metrics (id bigint, a, b float8, note text)` holding `rows` rows.
    private static func database(rows: Int) throws -> (PostgresCluster, String, String) {
        let cluster = try PostgresCluster.shared()
        let database = try cluster.createDatabase()
        try cluster.psql(
            "CREATE TABLE public.metrics (id bigint PRIMARY KEY, a float8, b float8, note text)", database: database)
        if rows > 0 {
            try cluster.psql(
                "INSERT INTO public.metrics SELECT i, i * 0.5, i * 0.25, 'x' FROM generate_series(1, \(rows)) i",
                database: database)
        }
        return (cluster, database, cluster.conninfo(database: database))
    }

    @Test("init-db applies each migration once, installs the trigger, and a second run changes nothing")
    func initTwice() throws {
        let (cluster, database, conninfo) = try Self.database(rows: 0)
        let directory = try TestDirectory("initdb")
        defer { directory.remove() }
        let arguments = ["init-db", "--database", conninfo, "--source", "metrics", "--key", "id"]
        let first = try vaewatch(arguments, in: directory)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.lines.prefix(6) == [
                "applied 001_scores.sql", "applied 002_queue.sql", "applied 003_state.sql", "applied 004_sources.sql",
                "applied 005_latent.sql", "applied 006_instances.sql",
            ])
        #expect(first.stdout.contains("source public.metrics: key id (bigint), 2 features: a, b"))
        #expect(first.stdout.contains("installed trigger vaewatch_enqueue on public.metrics"))
        let second = try vaewatch(arguments, in: directory)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.lines.first == "schema vaewatch is current (version 6)")
        #expect(try cluster.psql("SELECT count(*) FROM vaewatch.schema_migrations", database: database) == "6")
        try cluster.psql("INSERT INTO public.metrics VALUES (1, 1, 2, 'n'), (2, 3, 4, 'n')", database: database)
        #expect(try cluster.psql("SELECT count(*) FROM vaewatch.queue", database: database) == "2")
        let watermark = try vaewatch(arguments + ["--mode", "watermark"], in: directory)
        #expect(watermark.status == 0, "\(watermark.stderr)")
        #expect(watermark.stdout.contains("removed trigger vaewatch_enqueue from public.metrics and its queued keys"))
        try cluster.psql("INSERT INTO public.metrics VALUES (3, 1, 2, 'n')", database: database)
        #expect(try cluster.psql("SELECT count(*) FROM vaewatch.queue", database: database) == "0")
    }

    @Test("a hostile table name is refused with exit 78 and harms nothing (P17)")
    func hostileIdentifier() throws {
        let (cluster, database, conninfo) = try Self.database(rows: 3)
        try cluster.psql("CREATE TABLE x (v int)", database: database)
        let directory = try TestDirectory("initdb")
        defer { directory.remove() }
        let result = try vaewatch(
            ["init-db", "--database", conninfo, "--source", "t\"; DROP TABLE x;--", "--key", "id"], in: directory)
        #expect(result.status == 78)
        #expect(result.stderr.contains("source table t\"; DROP TABLE x;-- not found"), "\(result.stderr)")
        #expect(try cluster.psql("SELECT to_regclass('public.x') IS NOT NULL", database: database) == "t")
        let column = try vaewatch(
            ["init-db", "--database", conninfo, "--source", "metrics", "--key", "id", "--columns", "a,\"b"],
            in: directory)
        #expect(column.status == 78)
        #expect(
            column.stderr.contains(
                "feature column \"b is not a column of public.metrics; its columns are id, a, b, note"))
        let text = try vaewatch(
            ["init-db", "--database", conninfo, "--source", "metrics", "--key", "id", "--columns", "a,note"],
            in: directory)
        #expect(text.status == 78)
        #expect(text.stderr.contains("feature column note of public.metrics has type text"), "\(text.stderr)")
    }

    @Test("a role that may not create the schema exits 77 with the server's reason")
    func missingPrivilege() throws {
        let (cluster, database, _) = try Self.database(rows: 0)
        let role = "weak_" + database
        try cluster.psql("CREATE ROLE \(role) LOGIN", database: database)
        try cluster.psql("REVOKE CREATE ON DATABASE \(database) FROM PUBLIC", database: database)
        let directory = try TestDirectory("initdb")
        defer { directory.remove() }
        let conninfo = cluster.conninfo(database: database) + " user=\(role)"
        let result = try vaewatch(
            ["init-db", "--database", conninfo, "--source", "metrics", "--key", "id"], in: directory)
        #expect(result.status == 77, "\(result.stderr)")
        #expect(result.stderr.contains("permission denied for database"), "\(result.stderr)")
        #expect(result.stderr.contains("SQLSTATE 42501"))
    }

    @Test("an unreachable database exits 69 with libpq's reason and what to check")
    func unreachable() throws {
        let directory = try TestDirectory("initdb")
        defer { directory.remove() }
        let result = try vaewatch(
            [
                "init-db", "--database", "host=\(directory.path) port=5999 user=postgres connect_timeout=2",
                "--source", "metrics", "--key", "id",
            ], in: directory)
        #expect(result.status == 69)
        #expect(result.stderr.contains("cannot connect to"), "\(result.stderr)")
        #expect(result.stderr.contains("No such file or directory"), "libpq's own reason: \(result.stderr)")
        #expect(result.stderr.contains("Check --database"))
    }

    @Test("backfill queues existing rows (queue mode) or rewinds the watermark")
    func backfill() throws {
        let (cluster, database, conninfo) = try Self.database(rows: 10)
        let directory = try TestDirectory("backfill")
        defer { directory.remove() }
        let source = ["--database", conninfo, "--source", "public.metrics", "--key", "id"]
        #expect(try vaewatch(["init-db"] + source, in: directory).status == 0)
        #expect(try cluster.psql("SELECT count(*) FROM vaewatch.queue", database: database) == "0")
        let all = try vaewatch(["backfill"] + source, in: directory)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.lines == ["queued 10 rows of public.metrics for scoring"])
        let after = try vaewatch(["backfill"] + source + ["--after", "7"], in: directory)
        #expect(after.lines == ["queued 3 rows of public.metrics for scoring"])
        #expect(
            try cluster.psql("SELECT string_agg(source_id, ',' ORDER BY id) FROM vaewatch.queue", database: database)
                == "1,2,3,4,5,6,7,8,9,10,8,9,10")
        let rewind = try vaewatch(["backfill"] + source + ["--mode", "watermark", "--after", "4"], in: directory)
        #expect(rewind.lines == ["rewound the watermark of public.metrics to key 4"], "\(rewind.stderr)")
        #expect(try cluster.psql("SELECT last_key FROM vaewatch.watermarks", database: database) == "4")
    }

    @Test("models --push stores a new version for the source's features, never over one; other features refused")
    func models() throws {
        let (cluster, database, conninfo) = try Self.database(rows: 0)
        let directory = try TestDirectory("models")
        defer { directory.remove() }
        #expect(
            try vaewatch(["init-db", "--database", conninfo, "--source", "metrics", "--key", "id"], in: directory)
                .status == 0)
        let foreign = directory.file("foreign.vaew")
        let input = Array(SyntheticStream(rows: 300, seed: 2).csv.utf8)
        #expect(
            try vaewatch(
                ["train", "--out", foreign, "--ignore", "label", "--epochs", "2"], input: input, in: directory
            )
            .status == 0)
        let model = directory.file("m.vaew")
        let rows = (0..<300).map { "\(sin(Double($0) * 0.1)),\(cos(Double($0) * 0.07))" }
        #expect(
            try vaewatch(
                ["train", "--out", model, "--epochs", "2"], input: Array((["a,b"] + rows).joined(separator: "\n").utf8),
                in: directory
            ).status == 0)
        let registry = ["models", "--database", conninfo, "--source-name", "public.metrics"]
        let empty = try vaewatch(registry, in: directory)
        #expect(empty.lines == ["no models stored for public.metrics"])

        let refused = try vaewatch(registry + ["--push", foreign], in: directory)
        #expect(refused.status == 78, "\(refused.stdout)\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "\(foreign) was trained on x0, x1, x2, x3, x4, x5, x6, x7, but source public.metrics has the "
                    + "features a, b; train a model on the source's columns (`vaewatch train --columns a,b`)"),
            "\(refused.stderr)")
        #expect(try vaewatch(registry, in: directory).lines == ["no models stored for public.metrics"])
        let unknown = try vaewatch(
            ["models", "--database", conninfo, "--source-name", "public.other", "--push", model], in: directory)
        #expect(unknown.status == 78, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("no source named public.other is set up"), "\(unknown.stderr)")

        let push = try vaewatch(registry + ["--push", model], in: directory)
        #expect(push.status == 0, "\(push.stderr)")
        #expect(push.stdout.hasPrefix("stored \(model) as version 1 of public.metrics ("), "\(push.stdout)")
        let again = try vaewatch(registry + ["--push", model], in: directory)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(
            again.stdout.hasPrefix("stored \(model) as version 2 of public.metrics (its own version 1 is taken)"),
            "\(again.stdout)")
        let list = try vaewatch(registry, in: directory)
        #expect(list.lines.count == 3, "\(list.stdout)")
        #expect(list.lines.dropFirst().map { $0.prefix(2) } == ["2 ", "1 "], "\(list.stdout)")
        // The stored bytes carry the version they are stored under, so a daemon that loads version 2 retrains
        // to 3, not onto 2.
        let hex = try cluster.psql(
            "SELECT encode(bytes, 'hex') FROM vaewatch.models WHERE version = 2", database: database)
        let digits = Array(hex.utf8).map { Int($0 <= 57 ? $0 - 48 : $0 - 87) }
        let bytes = stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(digits[$0] * 16 + digits[$0 + 1]) }
        try directory.write(bytes, to: "stored.vaew")
        let inspected = try vaewatch(["inspect", directory.file("stored.vaew")], in: directory)
        #expect(inspected.lines.contains { $0.hasPrefix("version") && $0.hasSuffix(" 2") }, "\(inspected.stdout)")
    }
}

/// The SQL examples of the README run as printed.
@Suite("README SQL examples")
struct ReadmeQueryTests {
    /// The ```sql blocks of README.md's "Use with PostgreSQL".
    static func readmeQueries() throws -> [String] {
        let path = String(#filePath.prefix(upTo: #filePath.firstRange(of: "/Tests/")!.lowerBound)) + "/README.md"
        let text = String(decoding: try readFile(path), as: UTF8.self)
        let section = try #require(text.firstRange(of: "## Use with PostgreSQL"))
        var rest = text[section.upperBound...]
        if let next = rest.firstRange(of: "\n## ") { rest = rest[..<next.lowerBound] }
        var queries: [String] = []
        while let start = rest.firstRange(of: "```sql\n"), let end = rest[start.upperBound...].firstRange(of: "```") {
            queries.append(String(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return queries
    }

    @Test("every query of the README runs against the schema and returns what it promises")
    func queriesRun() throws {
        let queries = try Self.readmeQueries()
        #expect(queries.count == 3)
        let cluster = try PostgresCluster.shared()
        let database = try cluster.createDatabase()
        try cluster.psql(
            "CREATE TABLE public.metrics (id bigint PRIMARY KEY, cpu float8, p95_ms float8)", database: database)
        let directory = try TestDirectory("readme")
        defer { directory.remove() }
        let conninfo = cluster.conninfo(database: database)
        #expect(
            try vaewatch(["init-db", "--database", conninfo, "--source", "metrics", "--key", "id"], in: directory)
                .status == 0)
        try cluster.psql("INSERT INTO public.metrics VALUES (4216, 0.2, 120), (4217, 0.1, 950)", database: database)
        try cluster.psql(
            """
            INSERT INTO vaewatch.scores (source, source_id, score, recon, kl, threshold, is_anomaly, model_version,
                                         top_features)
            VALUES ('public.metrics', '4216', 3.1, 2.5, 1.2, 9.5, false, 1, '[]'),
                   ('public.metrics', '4217', 41.7, 39.9, 3.6, 9.5, true, 1,
                    '[{"feature":"p95_ms","share":0.812},{"feature":"cpu","share":0.15}]')
            """, database: database)
        let latest = try cluster.psql(queries[0], database: database)
        #expect(
            latest
                == "4217|\(try cluster.psql("SELECT scored_at FROM vaewatch.scores WHERE source_id = '4217'", database: database))|41.70|9.50|p95_ms"
        )
        let hourly = try cluster.psql(queries[1], database: database)
        #expect(hourly.hasSuffix("|2|1|50.00"), "\(hourly)")
        let explained = try cluster.psql(queries[2], database: database)
        #expect(explained == "p95_ms|0.812|4217|0.1|950\ncpu|0.15|4217|0.1|950")
    }
}
