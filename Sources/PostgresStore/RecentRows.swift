import Detector

/// Reads a source table's most recent rows for warm-up training, without claiming them: they are scored later
/// like every other row.
package enum RecentRows {
    /// The `limit` rows with the largest keys, oldest first, as records; rows with a value that is not finite are left
    /// out, as they cannot be trained on, but count in `rowsRead` (a table of `limit` rows has enough history even
    /// when one of them is a dead letter).
    package static func read(_ table: ResolvedSource, limit: Int, on connection: Connection) throws(PostgresError)
        -> (records: RecordBatch, rowsRead: Int)
    {
        let result = try connection.execute(
            """
            SELECT s.\(identifier: table.key)::text, \(table.recordList)
            FROM (SELECT * FROM \(table.qualified) ORDER BY \(identifier: table.key) DESC
                  LIMIT \(.integer(Int64(limit)))) s
            ORDER BY s.\(identifier: table.key)
            """, binary: true)
        let batch = SourceBatch(
            result: result, keyColumn: 0, firstFeature: 1, columns: table.columns, timeColumn: table.timeColumn)
        return (batch.records, batch.claimed)
    }
}

/// Rows of `vaewatch.retrains`: one per retrain attempt, so operators can see when and why the model changed.
package enum RetrainLog {
    /// Records a retrain of `source` that started at `startedAt` (seconds since 1970) for `reason`, on `records`
    /// window records, from `fromVersion` to `toVersion` (nil when it failed, with the error as `outcome`).
    package static func record(
        source: String, startedAt: Int64, reason: String, records: Int, fromVersion: Int?, toVersion: Int?,
        outcome: String, metrics: String?, on connection: Connection
    ) throws(PostgresError) {
        try connection.execute(
            """
            INSERT INTO vaewatch.retrains (source, started_at, reason, records, from_version, to_version, outcome,
                metrics)
            VALUES (\(.text(source)), to_timestamp(\(.integer(startedAt))), \(.text(reason)),
                \(.integer(Int64(records))), \(fromVersion.map { .integer(Int64($0)) } ?? .null),
                \(toVersion.map { .integer(Int64($0)) } ?? .null), \(.text(outcome)), \(metrics.map { .text($0) } ?? .null)::jsonb)
            """)
    }
}
