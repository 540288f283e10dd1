import Compute
import Detector
import PostgresStore
import TestSupport
import Testing

/// Issue 19, item 12 (point 4): a sink that stores latent means fills `vaewatch.scores.latent` (migration 005); one
/// that does not leaves it NULL and needs no 005.
@Suite("PostgresStore: verdict sink, latent means")
struct VerdictSinkLatentTests {
    /// ``sampleVerdicts(count:featureNames:scoreOffset:)`` with latent means `[i / 2 + offset, −i, 0.125]` for
    /// record i. `[count, 3]`
    static func verdicts(count: Int, offset: Float = 0) -> Verdicts {
        var verdicts = sampleVerdicts(count: count)
        verdicts.latentMean = Matrix(rows: count, cols: 3) { i, j in [Float(i) / 2 + offset, -Float(i), 0.125][j] }
        return verdicts
    }

    @Test("μ lands in scores.latent by COPY and, replayed past a refused row, by the careful upsert")
    func latentStored() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        let sink = VerdictSink(source: "s", storesLatentMean: true)
        try sink.prepare(connection)
        let keys = (0..<10).map(String.init)
        try connection.execute("BEGIN")
        #expect(try sink.write(connection, keys: keys, rejected: []) { Self.verdicts(count: 10) }.written == 10)
        try connection.execute("COMMIT")
        #expect(try database.psql("SELECT latent FROM vaewatch.scores WHERE source_id = '4'") == "{2,-4,0.125}")
        #expect(try database.psql("SELECT count(*) FROM vaewatch.scores WHERE latent IS NULL") == "0")
        #expect(try database.psql("SELECT latent[1] FROM vaewatch.anomalies WHERE source_id = '0'") == "0")

        // A replay of the same keys fails the COPY on the primary key, so the batch goes the careful way.
        try connection.execute("ALTER TABLE vaewatch.scores ADD CONSTRAINT poison CHECK (source_id <> '7') NOT VALID")
        try connection.execute("BEGIN")
        let replay = try sink.write(connection, keys: keys, rejected: []) { Self.verdicts(count: 10, offset: 100) }
        try connection.execute("COMMIT")
        #expect(replay.written == 9 && replay.refused.map(\.key) == ["7"])
        #expect(try database.psql("SELECT latent FROM vaewatch.scores WHERE source_id = '4'") == "{102,-4,0.125}")
    }

    @Test("a sink without latent means leaves the column NULL, and works on a schema from before 005")
    func latentOff() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        let sink = VerdictSink(source: "s")
        try sink.prepare(connection)
        try connection.execute("BEGIN")
        _ = try sink.write(connection, keys: ["1", "2"], rejected: []) { sampleVerdicts(count: 2) }
        try connection.execute("COMMIT")
        #expect(try database.psql("SELECT count(*) FROM vaewatch.scores WHERE latent IS NULL") == "2")

        let older = try TestDatabase()
        let old = try older.connect()
        for migration in Migration.all.prefix(4) { try old.executeScript(migration.sql) }
        let plain = VerdictSink(source: "s")
        try plain.prepare(old)
        try old.execute("BEGIN")
        #expect(try plain.write(old, keys: ["1"], rejected: []) { sampleVerdicts(count: 1) }.written == 1)
        try old.execute("COMMIT")
        let error = try #require(postgresError { try VerdictSink(source: "s", storesLatentMean: true).prepare(old) })
        #expect(error.kind == .configuration)
        #expect(error.message.contains("has no column latent: run `vaewatch init-db` to apply 005_latent.sql"))
    }
}
