import Detector
import PostgresStore
import TestSupport
import Testing

/// Verdicts for keys `0..<count` over features `featureNames`, with a known pattern: score i/8 + `scoreOffset`,
/// recon i/16, kl 0.25, anomaly every 10th, i % 3 missing; the top features cycle through [a, b], [b, a], [a] and [].
func sampleVerdicts(count: Int, featureNames: [String] = ["a", "b"], scoreOffset: Float = 0) -> Verdicts {
    var index: [Int32] = []
    var share: [Float] = []
    for i in 0..<count {
        switch i % 4 {
        case 0:
            index += [0, 1]
            share += [0.6128, 0.3872]
        case 1:
            index += [1, 0]
            share += [0.75, 0.25]
        case 2:
            index += [0, -1]
            share += [1, 0]
        default:
            index += [-1, -1]
            share += [0, 0]
        }
    }
    return Verdicts(
        score: (0..<count).map { Float($0) / 8 + scoreOffset }, recon: (0..<count).map { Float($0) / 16 },
        kl: Array(repeating: 0.25, count: count), isAnomaly: (0..<count).map { $0 % 10 == 0 },
        missingCount: (0..<count).map { $0 % 3 }, topFeatureIndex: index, topFeatureShare: share, topCount: 2,
        threshold: 3.5, modelVersion: 7, featureNames: featureNames)
}

/// ``VerdictSink``: bulk writes that replace on replay, bisection of refused rows into the dead letters (row P16),
/// and the top-features JSON.
@Suite("PostgresStore: verdict sink")
struct VerdictSinkTests {
    @Test("one poisoned row in 1,000: 999 written, 1 dead-lettered with its key and reason, the rest committed")
    func poisonedRowIsBisectedOut() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        try connection.execute("ALTER TABLE vaewatch.scores ADD CONSTRAINT poison CHECK (source_id <> '500')")
        let sink = VerdictSink(source: "public.metrics")
        try sink.prepare(connection)
        let keys = (0..<1000).map(String.init)

        try connection.execute("BEGIN")
        let (result, elapsed) = timed {
            try sink.write(connection, keys: keys, rejected: []) { sampleVerdicts(count: 1000) }
        }
        print("1,000 verdicts with 1 poisoned row: written and bisected in \(elapsed) s")
        let report = try result.get()
        #expect(try connection.execute("COMMIT").commandTag == "COMMIT")
        #expect(report.written == 999 && report.unscorable.count == 0)
        #expect(report.refused.map(\.key) == ["500"])
        #expect(report.refused.first?.reason.contains("poison") == true)
        #expect(report.refused.first?.reason.contains("23514") == true)

        #expect(try database.psql("SELECT count(*) FROM vaewatch.scores") == "999")
        #expect(try database.psql("SELECT count(*) FROM vaewatch.scores WHERE source_id = '500'") == "0")
        let letter = try database.psql(
            """
            SELECT source, source_id, stage, reason LIKE '%poison%', verdict->>'model_version', verdict->>'score',
                   verdict->'top_features'->0->>'feature', jsonb_typeof(verdict)
            FROM vaewatch.dead_letters
            """)
        #expect(letter == "public.metrics|500|sink|t|7|62.5|a|object")
        #expect(
            try database.psql(
                "SELECT score, is_anomaly, missing, model_version FROM vaewatch.scores WHERE source_id = '8'")
                == "1|f|2|7")
        #expect(
            try database.psql("SELECT threshold, kl, recon FROM vaewatch.scores WHERE source_id = '10'")
                == "3.5|0.25|0.625")
    }

    @Test("writing the same keys again replaces the verdicts; no duplicates")
    func replayReplaces() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        try connection.execute("ALTER TABLE vaewatch.scores ADD CONSTRAINT poison CHECK (source_id <> '500')")
        let sink = VerdictSink(source: "s")
        try sink.prepare(connection)
        let keys = (0..<1000).map(String.init)
        for offset: Float in [0, 1000] {
            try connection.execute("BEGIN")
            let report = try sink.write(connection, keys: keys, rejected: []) {
                sampleVerdicts(count: 1000, scoreOffset: offset)
            }
            try connection.execute("COMMIT")
            #expect(report.written == 999 && report.refused.count == 1)
        }
        #expect(try database.psql("SELECT count(*), count(DISTINCT source_id) FROM vaewatch.scores") == "999|999")
        #expect(try database.psql("SELECT score FROM vaewatch.scores WHERE source_id = '8'") == "1001")
        #expect(try database.psql("SELECT count(*) FROM vaewatch.dead_letters WHERE stage = 'sink'") == "2")

        try connection.execute("ALTER TABLE vaewatch.scores DROP CONSTRAINT poison")
        try connection.execute("BEGIN")
        let clean = try sink.write(connection, keys: keys, rejected: []) { sampleVerdicts(count: 1000) }
        try connection.execute("COMMIT")
        #expect(clean.written == 1000 && clean.refused.isEmpty)
        #expect(try database.psql("SELECT count(*) FROM vaewatch.scores") == "1000")
    }

    @Test("rows the source rejected land in the dead letters with stage input and no verdict")
    func rejectedInputRows() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        try connection.execute("CREATE TABLE public.metrics (id bigint PRIMARY KEY, a float8, b float8)")
        let table = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "metrics"), key: "id"), on: connection)
        try QueueSource.installTrigger(table, on: connection)
        try connection.execute("INSERT INTO metrics VALUES (1, 1, 2), (2, 'NaN', 0), (3, 3, 4)")
        let queue = QueueSource(table: table)
        let sink = VerdictSink(source: table.name)
        try sink.prepare(connection)

        try connection.execute("BEGIN")
        let batch = try queue.claim(connection, limit: 10)
        #expect(batch.records.keys == ["1", "3"] && batch.rejected.map(\.key) == ["2"])
        let report = try sink.write(connection, keys: batch.records.keys, rejected: batch.rejected) {
            sampleVerdicts(count: 2)
        }
        queue.advance(connection, past: batch)
        try connection.execute("COMMIT")
        #expect(report.written == 2 && report.unscorable.count == 1 && report.refused.isEmpty)
        let letter = try database.psql(
            "SELECT source, source_id, stage, reason, verdict IS NULL FROM vaewatch.dead_letters")
        #expect(letter == "public.metrics|2|input|column a: value is not finite (nan)|t")
        #expect(try database.psql("SELECT string_agg(source_id, ',' ORDER BY source_id) FROM vaewatch.scores") == "1,3")

        try connection.execute("BEGIN")
        let onlyRejected = try sink.write(connection, keys: [], rejected: batch.rejected) { sampleVerdicts(count: 0) }
        try connection.execute("COMMIT")
        #expect(onlyRejected.written == 0 && onlyRejected.unscorable.count == 1)
    }

    @Test("top_features is JSON: shares rounded to 3 decimals, padding omitted, names escaped")
    func topFeaturesJSON() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        let sink = VerdictSink(source: "s")
        try sink.prepare(connection)
        try connection.execute("BEGIN")
        _ = try sink.write(connection, keys: ["0", "1", "2", "3"], rejected: []) { sampleVerdicts(count: 4) }
        try connection.execute("COMMIT")
        /// `top_features` of `key`: each entry as feature=share, then the entry count.
        func top(_ key: String) throws -> String {
            try database.psql(
                """
                SELECT coalesce(string_agg((e->>'feature') || '=' || (e->>'share'), ' ' ORDER BY n), '')
                       || ' #' || jsonb_array_length(top_features)
                FROM vaewatch.scores LEFT JOIN LATERAL jsonb_array_elements(top_features) WITH ORDINALITY AS t(e, n)
                ON true WHERE source = 's' AND source_id = '\(key)' GROUP BY top_features
                """)
        }
        #expect(try top("0") == "a=0.613 b=0.387 #2")
        #expect(try top("1") == "b=0.75 a=0.25 #2")
        #expect(try top("2") == "a=1 #1")
        #expect(try top("3") == " #0")
        #expect(
            try database.psql(
                "SELECT jsonb_typeof(top_features->0->'share') FROM vaewatch.scores WHERE source_id = '0'") == "number")

        let names = ["we\"ird", "back\\slash\nline\t\u{1}", "ü"]
        var verdicts = sampleVerdicts(count: 3, featureNames: names)
        verdicts.topFeatureIndex = [0, 1, 2, 0, 1, 2]
        verdicts.topFeatureShare = [0.9996, 0.0004, 0.05, 0.0016, 0.5, 0.1234]
        try connection.execute("BEGIN")
        _ = try sink.write(connection, keys: ["q0", "q1", "q2"], rejected: []) { verdicts }
        try connection.execute("COMMIT")
        let stored = try connection.execute(
            """
            SELECT top_features->0->>'feature', top_features->1->>'feature', top_features->0->>'share',
                   top_features->1->>'share'
            FROM vaewatch.scores WHERE source = 's' AND source_id LIKE 'q%' ORDER BY source_id
            """)
        #expect(stored.rowCount == 3)
        #expect((0..<3).map { stored.text($0, 0) } == [names[0], names[2], names[1]])
        #expect((0..<3).map { stored.text($0, 1) } == [names[1], names[0], names[2]])
        #expect(
            (0..<3).map { [stored.text($0, 2), stored.text($0, 3)] } == [
                ["1", "0"], ["0.05", "0.002"], ["0.5", "0.123"],
            ])
    }

    @Test("a lock timeout on the scores table propagates as a transient error instead of being bisected")
    func nonRowErrorsPropagate() throws {
        let database = try TestDatabase(migrated: true)
        let holder = try database.connect()
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE vaewatch.scores IN ACCESS EXCLUSIVE MODE")
        var settings = database.settings()
        settings.lockTimeout = .milliseconds(200)
        let connection = try database.connect(settings)
        let sink = VerdictSink(source: "s")
        try sink.prepare(connection)
        try connection.execute("BEGIN")
        let (result, elapsed) = timed {
            try sink.write(connection, keys: (0..<100).map(String.init), rejected: []) { sampleVerdicts(count: 100) }
        }
        print("sink write against a locked scores table failed after \(elapsed) s")
        let error = try #require(result.failure as? PostgresError)
        #expect(error.sqlState?.code == "55P03" && error.sqlState?.isTransient == true)
        #expect(elapsed < 1.0, "one lock wait, not one per bisection step")
        try connection.execute("ROLLBACK")
        try holder.execute("ROLLBACK")
        #expect(try database.psql("SELECT count(*) FROM vaewatch.dead_letters") == "0")
    }
}
