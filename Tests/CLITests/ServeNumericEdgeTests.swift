import TestSupport
import Testing

/// A `numeric` feature whose value no double can hold: `1e-400` failed the conversion to float8 with 22003, so every
/// batch that held the row failed and was retried forever (in both modes and during warm-up), and the rows behind it
/// waited. Too small becomes 0; too large is a dead letter; nothing stalls.
@Suite("vaewatch serve (PostgreSQL): numeric values beyond a double")
struct ServeNumericEdgeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let mode: String
        let warmUp: Bool
        var testDescription: String { mode + (warmUp ? ", warm-up" : ", with a model") }
    }

    @Test(
        "1e-400 is scored as 0, 1e400 is a dead letter, the 100 rows after them are scored: 0 lost, 0 dup",
        arguments: [
            Case(mode: "queue", warmUp: false), Case(mode: "watermark", warmUp: false),
            Case(mode: "queue", warmUp: true),
        ])
    func extremeNumerics(_ run: Case) throws {
        let database = try KeyedDatabase(keyType: "bigint", featureType: "numeric")
        var settings = try database.settings([("source.mode", run.mode)])
        if run.warmUp {
            settings.removeAll { $0.name == "model.path" }
            settings += [("training.warmup", "200"), ("training.epochs", "5"), ("model.min_steps", "0")]
        }
        let fixture = try ServeFixture("numeric-\(run.mode)\(run.warmUp ? "-warm" : "")", settings: settings)
        defer { fixture.remove() }
        let setUp = try database.run("init-db", ["--mode", run.mode], in: fixture.directory)
        try #require(setUp.status == 0, "init-db: \(setUp.stderr)")
        try database.insert(1...300, key: "i")
        let table = database.table
        try database.cluster.psql(
            """
            INSERT INTO \(table) SELECT 301, '1e-400', x1, x2, x3, x4, x5, x6, x7 FROM \(table) WHERE k = 1;
            INSERT INTO \(table) SELECT 302, '1e400', x1, x2, x3, x4, x5, x6, x7 FROM \(table) WHERE k = 2;
            INSERT INTO \(table) SELECT 303, '-1e-400', x1, x2, x3, x4, x5, x6, x7 FROM \(table) WHERE k = 3;
            """, database: database.name)
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(30))
        try database.insert(304...403, key: "i")
        let drained = eventually(within: .seconds(60)) {
            (try? database.count("SELECT count(*) FROM vaewatch.scores")) == 402
                && (try? database.count("SELECT count(*) FROM vaewatch.dead_letters")) == 1
        }
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let audit = try database.audit()
        #expect(drained, "\(audit)\n\(daemon.errorText)")
        #expect(audit.rows == 403 && audit.lost == 0 && audit.strays == 0 && audit.verdicts == 402, "\(audit)")
        #expect(
            try database.cluster.psql("SELECT source_id, reason FROM vaewatch.dead_letters", database: database.name)
                == "302|column x0: value is not finite (inf)")
        #expect(!daemon.errorText.contains("22003"), "\(daemon.errorText)")
    }
}
