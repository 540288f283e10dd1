import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// PostgreSQL mode without a model: warm-up learns from the table's most recent rows, and the source then gives
/// those same rows to score. Their verdicts are written, but their scores must not move the extreme-value
/// threshold a second time: its tail was fitted on them.
@Suite("vaewatch serve (PostgreSQL): the rows warm-up learned from do not move the threshold again")
struct ServeWarmUpThresholdTests {
    @Test("2,000 rows learned from, scored in 4 batches: one threshold for them and the next new batch; then it moves")
    func warmUpRowsKeepTheFittedThreshold() throws {
        let directory = try TestDirectory("serve-warmup-rate")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        try database.insert(from: 1, count: 2_000)
        let fixture = try ServeFixture(
            "serve-warmup-rate",
            settings: try database.settings([
                ("model.path", "\"\""), ("training.warmup", "2000"), ("training.epochs", "20"),
                ("model.min_steps", "0"),
                ("training.seed", "1"), ("threshold.rate", "1e-2"), ("source.batch", "500"),
            ]))
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(60))
        let learned = eventually(within: .seconds(120)) { (try? database.scored()) == 2_000 }
        try #require(learned, "\((try? database.scored()) ?? -1) of 2,000 scored\n\(daemon.errorText)")
        // New rows, a batch at a time: the first is compared with the fitted threshold, and moves it.
        for batch in 0..<2 {
            try database.insert(from: 2_001 + batch * 500, count: 500)
            let done = eventually(within: .seconds(30)) { (try? database.scored()) == 2_500 + batch * 500 }
            try #require(done, "new batch \(batch): \((try? database.scored()) ?? -1) scored\n\(daemon.errorText)")
        }
        #expect(daemon.signal(SIGTERM))
        let ended = daemon.waitForExit(within: .seconds(15))
        #expect(ended?.status == 0, "\(daemon.errorText)")

        let row = try database.cluster.psql(
            """
            SELECT count(DISTINCT threshold) FILTER (WHERE source_id::bigint <= 2000),
                   count(DISTINCT threshold) FILTER (WHERE source_id::bigint <= 2500),
                   count(DISTINCT threshold), count(DISTINCT model_version),
                   count(*) FILTER (WHERE is_anomaly <> (score > threshold))
            FROM vaewatch.scores
            """, database: database.name)
        print(
            "serve, warm-up then threshold.rate 1e-2: distinct thresholds (warm-up rows, +1st new batch, all), "
                + "versions, mismatched flags: \(row)")
        let fields = row.split(separator: "|").map { Int($0) ?? -1 }
        try #require(fields.count == 5, "\(row)")
        #expect(fields[0] == 1, "the warm-up rows' scores did not move the threshold fitted on them: \(row)")
        #expect(fields[1] == 1, "the first new batch is compared with the fitted threshold: \(row)")
        #expect(fields[2] == 2, "the first new batch moved it for the second: \(row)")
        #expect(fields[3] == 1, "no retrain came in between: \(row)")
        #expect(fields[4] == 0, "every row is compared with the threshold written beside it: \(row)")
        let audit = try database.audit()
        #expect(audit.rows == 3_000 && audit.lost == 0 && audit.duplicated == 0, "\(audit)")
    }
}
