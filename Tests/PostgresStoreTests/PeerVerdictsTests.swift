import Compute
import Detector
import PostgresStore
import TestSupport
import Testing

/// Issue 21, items 4 and 5: every verdict names the daemon that wrote it (`scored_by`, migration 006), and the
/// trainer reads the verdicts the others wrote, with their rows' features, in runs of one model and threshold.
@Suite("PostgresStore: the writer of each verdict, and the verdicts of the other daemons")
struct PeerVerdictsTests {
    /// A table `public.m` of rows 1…20 with features a = id, b = −id, and verdicts of rows 1…10 written by `a:1`
    /// (model 7), of 11…15 by `b:2` (model 7) and of 16…20 by `b:2` (model 8, threshold 4.5), each scored a minute
    /// ago plus its id in milliseconds.
    static func scored() throws -> (TestDatabase, Connection, ResolvedSource) {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        try connection.execute("CREATE TABLE public.m (id bigint PRIMARY KEY, a float8, b float8)")
        try connection.execute("INSERT INTO public.m SELECT i, i, -i FROM generate_series(1, 20) i")
        let table = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "m"), key: "id", columns: ["a", "b"]), on: connection)
        let first = VerdictSink(source: table.name, scoredBy: "a:1")
        let second = VerdictSink(source: table.name, scoredBy: "b:2")
        for sink in [first, second] { try sink.prepare(connection) }
        var later = sampleVerdicts(count: 5)
        later.modelVersion = 8
        later.threshold = 4.5
        for (sink, keys, verdicts) in [
            (first, 1...10, sampleVerdicts(count: 10)), (second, 11...15, sampleVerdicts(count: 5)),
            (second, 16...20, later),
        ] {
            try connection.transaction { (connection) throws(PostgresError) in
                _ = try sink.write(connection, keys: keys.map(String.init), rejected: []) { verdicts }
            }
        }
        try connection.execute(
            """
            UPDATE vaewatch.scores SET scored_at = now() - interval '1 minute' + source_id::int * interval '1 ms'
            """)
        return (database, connection, table)
    }

    @Test("the sink names its writer in scored_by; a schema from before 006 is refused with what to do")
    func scoredBy() throws {
        let (database, _, _) = try Self.scored()
        #expect(
            try database.psql("SELECT scored_by, count(*) FROM vaewatch.scores GROUP BY 1 ORDER BY 1")
                == "a:1|10\nb:2|10")
        #expect(try database.psql("SELECT DISTINCT scored_by FROM vaewatch.anomalies ORDER BY 1") == "a:1\nb:2")

        let older = try TestDatabase()
        let old = try older.connect()
        for migration in Migration.all.prefix(5) { try old.executeScript(migration.sql) }
        try VerdictSink(source: "s").prepare(old)
        let error = try #require(postgresError { try VerdictSink(source: "s", scoredBy: "a:1").prepare(old) })
        #expect(error.kind == .configuration)
        #expect(error.message.contains("has no column scored_by"))
        #expect(error.message.contains("run `vaewatch init-db` to apply 006_instances.sql"))
    }

    @Test("the others' verdicts, oldest first, in runs of one model and threshold, with their rows' features")
    func othersVerdicts() throws {
        let (_, connection, table) = try Self.scored()
        let hourAgo = try #require(try connection.execute("SELECT (now() - interval '1 hour')::text").text(0, 0))

        let forA = try PeerVerdicts.read(table, excluding: "a:1", after: hourAgo, limit: 100, on: connection)
        #expect(forA.total == 10)
        let runKeys: [[String]] = [(11...15).map { "\($0)" }, (16...20).map { "\($0)" }]
        #expect(forA.runs.map(\.records.keys) == runKeys)
        #expect(forA.runs.map(\.verdicts.modelVersion) == [7, 8])
        #expect(forA.runs.map(\.verdicts.threshold) == [3.5, 4.5])
        let run = forA.runs[0]
        let expected: [Float] = (11...15).flatMap { [Float($0), -Float($0)] }
        #expect(run.records.features.storage == expected)
        #expect(run.verdicts.score == sampleVerdicts(count: 5).score)
        #expect(run.verdicts.isAnomaly == [true, false, false, false, false])

        let forB = try PeerVerdicts.read(table, excluding: "b:2", after: hourAgo, limit: 100, on: connection)
        let firstTen: [[String]] = [(1...10).map { "\($0)" }]
        #expect(forB.runs.map(\.records.keys) == firstTen)

        // The limit keeps the newest and still counts them all; a verdict whose row is gone is left out.
        try connection.execute("DELETE FROM public.m WHERE id = 20")
        let newest = try PeerVerdicts.read(table, excluding: "a:1", after: hourAgo, limit: 3, on: connection)
        #expect(newest.total == 3 + 7)
        #expect(newest.runs.flatMap(\.records.keys) == ["18", "19"])

        // The next read starts where this one ended: nothing new.
        let again = try PeerVerdicts.read(table, excluding: "a:1", after: forA.end, limit: 100, on: connection)
        #expect(again.total == 0 && again.runs.isEmpty)
    }

    @Test("a slice ends a little in the past, so that a verdict scored now comes in the next read")
    func settleTime() throws {
        let (_, connection, table) = try Self.scored()
        let start = try PeerVerdicts.start(on: connection)
        try connection.execute("UPDATE vaewatch.scores SET scored_at = now() WHERE source_id = '12'")
        let now = try PeerVerdicts.read(table, excluding: "a:1", after: start, limit: 100, on: connection)
        #expect(now.total == 0, "the verdict scored now is past the slice's end")
        try connection.execute(
            "UPDATE vaewatch.scores SET scored_at = \(.text(now.end))::timestamptz WHERE source_id = '12'")
        let next = try PeerVerdicts.read(table, excluding: "a:1", after: start, limit: 100, on: connection)
        #expect(next.runs.flatMap(\.records.keys) == ["12"])
    }
}
