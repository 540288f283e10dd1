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
            SELECT s.\(identifier: table.key)::text, \(table.featureList)
            FROM (SELECT * FROM \(table.qualified) ORDER BY \(identifier: table.key) DESC
                  LIMIT \(.integer(Int64(limit)))) s
            ORDER BY s.\(identifier: table.key)
            """, binary: true)
        let batch = SourceBatch(result: result, keyColumn: 0, firstFeature: 1, columns: table.columns)
        return (batch.records, batch.claimed)
    }
}
