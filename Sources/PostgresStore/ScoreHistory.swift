import Detector

/// One verdict of `vaewatch.scores`, read back for a report, and the row it is for.
package struct ScoreHistoryRow: Sendable, Equatable {
    /// The source row's key, as text.
    package let sourceID: String
    /// When it was scored, in seconds since 1970.
    package let scoredAt: Double
    /// The time in the source row's time column, in seconds since 1970 (a `timestamp` without time zone read as
    /// UTC), when the history was read with a time column; nil without one, or when the row is gone or its time is
    /// NULL.
    package let rowTime: Double?
    /// The verdict (+∞ scores when the database holds `Infinity`; top features of flagged rows only).
    package let verdict: ScoredRecord
}

/// The verdicts of one source, as a report draws them.
package struct ScoreHistory: Sendable {
    /// The source's name in `vaewatch.scores`.
    package let source: String
    /// The most recent rows, oldest first by (scored_at, source_id).
    package let rows: [ScoreHistoryRow]
    /// The source's rows in all, which is more than ``rows`` holds when the limit cut the oldest away.
    package let totalRows: Int

    /// The most recent `last` verdicts of `source`, oldest first, with the top features of the flagged ones and,
    /// with `timeColumn`, the time of each verdict's row (joined by its key). A source without rows is a
    /// ``PostgresError/Kind/configuration`` error that lists the sources that have rows; a database without
    /// `vaewatch.scores` is one that says to run `vaewatch init-db`.
    package static func read(
        source: String, last: Int, timeColumn: SourceTimeColumn? = nil, on connection: Connection
    ) throws(PostgresError) -> ScoreHistory {
        precondition(last >= 1, "ScoreHistory.read: last must be at least 1, got \(last)")
        let rowTime: Query = timeColumn.map { "extract(epoch FROM r.\(identifier: $0.column))" } ?? "NULL"
        let rowJoin: Query =
            timeColumn.map {
                "LEFT JOIN \($0.table) r ON r.\(identifier: $0.key) = s.source_id::\($0.keyTypeSQL)"
            } ?? ""
        let result: QueryResult
        do {
            result = try connection.execute(
                """
                SELECT s.source_id, extract(epoch FROM s.scored_at)::float8, s.score, s.recon, s.kl, s.threshold,
                       s.is_anomaly, s.model_version, s.total, t.e ->> 'feature',
                       CASE WHEN jsonb_typeof(t.e -> 'share') = 'number' THEN (t.e ->> 'share')::float8 END,
                       \(rowTime)::float8
                FROM (SELECT *, count(*) OVER () AS total FROM vaewatch.scores
                      WHERE source = \(.text(source))
                      ORDER BY scored_at DESC, source_id DESC LIMIT \(.integer(Int64(last)))) s
                \(rowJoin)
                LEFT JOIN LATERAL jsonb_array_elements(
                    CASE WHEN s.is_anomaly AND jsonb_typeof(s.top_features) = 'array' THEN s.top_features
                         ELSE '[]'::jsonb END) WITH ORDINALITY AS t(e, n) ON true
                ORDER BY s.scored_at, s.source_id, t.n
                """, binary: true)
        } catch  where error.sqlState?.isUndefinedObject == true {
            throw PostgresError(
                .configuration, sqlState: error.sqlState,
                message: "this database has no vaewatch.scores (\(error.message)); run vaewatch init-db on it "
                    + "first, or check --database")
        } catch  where timeColumn != nil && error.sqlState?.errorClass == "22" {
            let key = timeColumn.map { "\($0.key) (\($0.keyType))" } ?? ""
            throw PostgresError(
                .configuration, sqlState: error.sqlState,
                message: "a verdict of \(source) has a source_id that does not read as the key \(key) "
                    + "(\(error.message)): were its verdicts written for another key? Leave --time-column out to "
                    + "draw the time each verdict was scored")
        }
        var rows: [ScoreHistoryRow] = []
        var total = 0
        var row = 0
        while row < result.rowCount {
            let id = result.text(row, 0) ?? ""
            total = Int(result.integer(row, 8) ?? 0)
            var top: [ScoredRecord.Share] = []
            var next = row
            while next < result.rowCount, result.text(next, 0) == id {
                if let feature = result.text(next, 9), let share = result.double(next, 10) {
                    top.append(ScoredRecord.Share(feature: feature, share: share))
                }
                next += 1
            }
            rows.append(
                ScoreHistoryRow(
                    sourceID: id, scoredAt: result.double(row, 1) ?? 0, rowTime: result.double(row, 11),
                    verdict: ScoredRecord(
                        score: result.double(row, 2) ?? 0, recon: result.double(row, 3) ?? 0,
                        kl: result.double(row, 4) ?? 0, threshold: result.double(row, 5) ?? 0,
                        isAnomaly: result.bool(row, 6) ?? false, modelVersion: Int(result.integer(row, 7) ?? 0),
                        top: top)))
            row = next
        }
        guard !rows.isEmpty else { throw try unknownSource(source, on: connection) }
        return ScoreHistory(source: source, rows: rows, totalRows: total)
    }

    /// The sources that have verdicts, with their row counts, by name.
    package static func sources(on connection: Connection) throws(PostgresError) -> [(name: String, rows: Int)] {
        let result = try connection.execute(
            "SELECT source, count(*) FROM vaewatch.scores GROUP BY source ORDER BY source", binary: true)
        return (0..<result.rowCount).map { (result.text($0, 0) ?? "", Int(result.integer($0, 1) ?? 0)) }
    }

    /// Most sources named in the error for an unknown one.
    static let sourcesListed = 20

    /// The error for a source without rows, naming the sources that have some.
    private static func unknownSource(_ source: String, on connection: Connection) throws(PostgresError)
        -> PostgresError
    {
        let known = try sources(on: connection)
        guard !known.isEmpty else {
            return PostgresError(
                .configuration,
                message: "vaewatch.scores holds no verdicts yet; score some first (vaewatch serve, or vaewatch "
                    + "backfill with the daemon running)")
        }
        var listed = known.prefix(sourcesListed).map { "\($0.name) (\($0.rows) row\($0.rows == 1 ? "" : "s"))" }
        if known.count > sourcesListed { listed.append("and \(known.count - sourcesListed) more") }
        return PostgresError(
            .configuration,
            message: "vaewatch.scores has no verdicts of source \(source); the sources with verdicts are "
                + listed.joined(separator: ", "))
    }
}
