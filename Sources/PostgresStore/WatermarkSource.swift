/// Watermark mode: pages through the table by key with no trigger, reading only rows whose inserting
/// transaction is older than the snapshot's xmin, so a transaction that commits late (with a smaller key) is
/// never skipped. The last key read is stored in the transaction that writes the verdicts. One daemon per source,
/// held by a session advisory lock.
public final class WatermarkSource: PostgresSource {
    /// The checked source table.
    public let table: ResolvedSource
    /// A watermark source over `table`.
    public init(table: ResolvedSource) { self.table = table }

    /// Takes the source's advisory lock (throws ``PostgresError/Kind/busy`` when another daemon holds it) and
    /// creates the watermark row if there is none.
    public func prepare(_ connection: Connection) throws(PostgresError) {
        let locked = try connection.execute(
            "SELECT pg_try_advisory_lock(hashtextextended('vaewatch:watermark:' || \(.text(table.name)), 0))")
        guard locked.text(0, 0) == "t" else {
            throw PostgresError(
                .busy,
                message: "another daemon holds the watermark of source \(table.name); watermark mode allows one "
                    + "daemon per source (use queue mode to share a table)")
        }
        try connection.execute(
            "INSERT INTO vaewatch.watermarks (source) VALUES (\(.text(table.name))) ON CONFLICT (source) DO NOTHING")
    }

    /// Reads up to `limit` rows after the watermark, in key order, committed below the snapshot's xmin. The
    /// watermark row stays locked until COMMIT, so a concurrent rewind waits for the batch instead of being
    /// overwritten by it.
    public func claim(_ connection: Connection, limit: Int) throws(PostgresError) -> SourceBatch {
        let watermark = try connection.execute(
            "SELECT last_key FROM vaewatch.watermarks WHERE source = \(.text(table.name)) FOR UPDATE")
        let after: Query =
            watermark.text(0, 0).map {
                "s.\(identifier: table.key) > \(.text($0))::text::\(table.keyTypeSQL) AND "
            } ?? ""
        // xmin is a 32-bit xid and the snapshot's xmin an xid8: comparing their ages (distance back from the
        // current xid) is wraparound-safe. A row is read only when its inserter is older than every transaction
        // still in progress.
        let result = try connection.execute(
            """
            SELECT s.\(identifier: table.key)::text, \(table.featureList)
            FROM \(table.qualified) s
            WHERE \(after)age(s.xmin) > age((pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296)::text::xid)
            ORDER BY s.\(identifier: table.key)
            LIMIT \(.integer(Int64(limit)))
            """, binary: true)
        var batch = SourceBatch(result: result, keyColumn: 0, firstFeature: 1, columns: table.columns)
        batch.lastKey = result.rowCount > 0 ? result.text(result.rowCount - 1, 0) : nil
        return batch
    }

    /// Stores the batch's last key.
    public func advance(_ connection: Connection, past batch: SourceBatch) throws(PostgresError) {
        guard let key = batch.lastKey else { return }
        try connection.execute(
            """
            UPDATE vaewatch.watermarks SET last_key = \(.text(key)), updated_at = now()
            WHERE source = \(.text(table.name))
            """)
    }

    /// Rewinds the watermark of `table` (`vaewatch backfill` in watermark mode): to before every row when `to`
    /// is nil, or to the key `to` (rows with larger keys are scored again, their verdicts replaced).
    public static func rewind(_ table: ResolvedSource, to key: String?, on connection: Connection) throws(PostgresError)
    {
        let value: QueryValue = key.map { .text($0) } ?? .null
        try connection.execute(
            """
            INSERT INTO vaewatch.watermarks (source, last_key) VALUES (\(.text(table.name)), \(value))
            ON CONFLICT (source) DO UPDATE SET last_key = EXCLUDED.last_key, updated_at = now()
            """)
    }
}
