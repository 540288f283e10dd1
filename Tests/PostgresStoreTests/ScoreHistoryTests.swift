import Detector
import PostgresStore
import TestSupport
import Testing

/// ``ScoreHistory``: the verdicts of one source read back for a report, oldest first, with the flagged rows' features.
@Suite("PostgresStore: score history")
struct ScoreHistoryTests {
    /// A migrated database holding five verdicts of `public.metrics` (two scored at the same instant, one +∞, two
    /// flagged with top features, one normal row whose top features must be left out) and one of `other`.
    static func database() throws -> TestDatabase {
        let database = try TestDatabase(migrated: true)
        try database.psql(
            #"""
            INSERT INTO vaewatch.scores (source, source_id, scored_at, score, recon, kl, threshold, is_anomaly,
                                         model_version, top_features)
            VALUES ('public.metrics', '17', '2024-05-01 10:00:02.25+00', 1.5, 1, 0.5, 9.5, false, 1,
                    '[{"feature": "cpu", "share": 0.9}]'),
                   ('public.metrics', '9', '2024-05-01 10:00:00+00', 0.75, 0.5, 0.25, 9.5, false, 1, '[]'),
                   ('public.metrics', '12', '2024-05-01 10:00:02.25+00', 'Infinity', 'Infinity', 3, 9.5, true, 1,
                    '[{"feature": "p95 \"ms\"", "share": 0.8}, {"feature": "cpu", "share": 0.15}]'),
                   ('public.metrics', '30', '2024-05-01 11:00:00+00', 40, 38, 2, 12, true, 2,
                    '[{"feature": "mem", "share": 1}]'),
                   ('public.metrics', '31', '2024-05-01 11:00:01+00', 2, 1.5, 0.5, 12, false, 2, '[]'),
                   ('other', 'a', '2024-05-01 09:00:00+00', 1, 1, 0, 5, false, 1, '[]')
            """#)
        return database
    }

    @Test("rows come oldest first by (scored_at, source_id), with the flagged rows' features in their order")
    func everything() throws {
        let connection = try Self.database().connect()
        let history = try ScoreHistory.read(source: "public.metrics", last: 100, on: connection)
        #expect(history.totalRows == 5)
        #expect(history.rows.map(\.sourceID) == ["9", "12", "17", "30", "31"])
        #expect(
            history.rows.map(\.scoredAt) == [
                1_714_557_600, 1_714_557_602.25, 1_714_557_602.25, 1_714_561_200, 1_714_561_201,
            ])
        let infinite = history.rows[1].verdict
        #expect(infinite.score == .infinity && infinite.recon == .infinity && infinite.kl == 3)
        #expect(infinite.isAnomaly && infinite.threshold == 9.5 && infinite.modelVersion == 1)
        #expect(
            infinite.top == [
                ScoredRecord.Share(feature: "p95 \"ms\"", share: 0.8),
                ScoredRecord.Share(feature: "cpu", share: 0.15),
            ])
        #expect(history.rows[2].verdict.top.isEmpty, "a normal row's top features are not read")
        #expect(history.rows[3].verdict.top == [ScoredRecord.Share(feature: "mem", share: 1)])
        #expect(history.rows.map(\.verdict.modelVersion) == [1, 1, 1, 2, 2])
        #expect(history.rows.map(\.verdict.isAnomaly) == [false, true, false, true, false])
    }

    @Test("--last keeps the most recent rows, still oldest first, and counts them all")
    func last() throws {
        let connection = try Self.database().connect()
        let history = try ScoreHistory.read(source: "public.metrics", last: 2, on: connection)
        #expect(history.rows.map(\.sourceID) == ["30", "31"])
        #expect(history.totalRows == 5)
        let sources = try ScoreHistory.sources(on: connection)
        #expect(sources.map(\.name) == ["other", "public.metrics"])
        #expect(sources.map(\.rows) == [1, 5])
    }

    @Test("an unknown source is a configuration error that lists the sources with verdicts")
    func unknownSource() throws {
        let connection = try Self.database().connect()
        let error = try #require(
            postgresError { try ScoreHistory.read(source: "public.nope", last: 10, on: connection) })
        #expect(error.kind == .configuration)
        #expect(
            error.message
                == "vaewatch.scores has no verdicts of source public.nope; the sources with verdicts are other (1 row), "
                + "public.metrics (5 rows)")
        let empty = try TestDatabase(migrated: true).connect()
        let none = try #require(postgresError { try ScoreHistory.read(source: "x", last: 10, on: empty) })
        #expect(none.kind == .configuration)
        #expect(none.message.hasPrefix("vaewatch.scores holds no verdicts yet"), "\(none.message)")
    }

    @Test("a database without the schema is a configuration error that says to run init-db")
    func noSchema() throws {
        let connection = try TestDatabase(migrated: false).connect()
        let error = try #require(postgresError { try ScoreHistory.read(source: "x", last: 10, on: connection) })
        #expect(error.kind == .configuration)
        #expect(error.sqlState?.code == "42P01")
        #expect(error.message.contains("run vaewatch init-db on it first"), "\(error.message)")
    }
}
