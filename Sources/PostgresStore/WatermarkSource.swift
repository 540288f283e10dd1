/// Watermark mode: pages through the table by key with no trigger, one daemon per source (held by a session
/// advisory lock). The last key read is stored in the transaction that writes the verdicts.
///
/// Paging by key alone loses rows: a transaction can take a smaller key and commit after a larger key was read
/// (finding L10). Two rules keep every row:
/// - a row is read only once its inserting transaction is older than the snapshot's xmin, so it is final;
/// - that alone is not enough (a transaction that took its xid before another took its key commits the larger key
///   first), so the source also keeps a *settled* key: every row up to it is final, because every transaction
///   that was in progress when those keys were read has ended since (checked against the snapshot's xmin). Rows
///   between the settled key and the watermark that have no verdict (and no dead letter) are late commits, swept
///   up by the next claim.
///
/// This relies on keys growing with insertion time (a sequence, an identity column or an insertion timestamp):
/// a transaction that starts after a key was read takes a larger key.
public final class WatermarkSource: PostgresSource {
    /// The checked source table.
    public let table: ResolvedSource
    /// Batches read but not yet settled: each batch's last key, and the snapshot xmax when it was read. Once the
    /// snapshot's xmin passes that xmax, every transaction that could still commit a smaller key has ended.
    private var unsettled: [(key: String, xmax: UInt64)] = []
    /// The watermark as this source last saw it, to notice a rewind by `vaewatch backfill`.
    private var lastKeySeen: String?

    /// A watermark source over `table`.
    public init(table: ResolvedSource) { self.table = table }

    /// Takes the source's advisory lock (throws ``PostgresError/Kind/busy`` when another daemon holds it),
    /// creates the watermark row if there is none, and treats everything up to the stored watermark as unsettled
    /// until the transactions in progress now have ended.
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
        let row = try connection.execute(
            """
            SELECT last_key, pg_snapshot_xmax(pg_current_snapshot())::text
            FROM vaewatch.watermarks WHERE source = \(.text(table.name))
            """)
        lastKeySeen = row.text(0, 0)
        unsettled = lastKeySeen.map { [($0, UInt64(row.text(0, 1) ?? "") ?? .max)] } ?? []
    }

    /// Reads the late rows between the settled key and the watermark (up to `limit`), then up to `limit` rows
    /// after the watermark in key order, all committed below the snapshot's xmin. When every transaction that
    /// was in progress at an earlier read has ended, and this sweep got every late row, the settled key moves up
    /// to that read's last key, in this transaction. The watermark row stays locked until COMMIT, so a concurrent
    /// rewind waits for the batch instead of being overwritten by it.
    public func claim(_ connection: Connection, limit: Int) throws(PostgresError) -> SourceBatch {
        let state = try connection.execute(
            """
            SELECT last_key, safe_key, pg_snapshot_xmin(pg_current_snapshot())::text,
                   pg_snapshot_xmax(pg_current_snapshot())::text
            FROM vaewatch.watermarks WHERE source = \(.text(table.name)) FOR UPDATE
            """)
        let lastKey = state.text(0, 0)
        let xmin = UInt64(state.text(0, 2) ?? "") ?? 0
        let xmax = UInt64(state.text(0, 3) ?? "") ?? .max
        if lastKey != lastKeySeen {
            // Rewound (or moved) by someone else: what was unsettled no longer applies.
            unsettled = lastKey.map { [($0, xmax)] } ?? []
            lastKeySeen = lastKey
        }
        let safeKey = state.text(0, 1)
        // Keys up to here are final now; they count as settled once this claim has swept them.
        let settling = unsettled.lastIndex(where: { $0.xmax <= xmin })
        let key = table.key
        let type = table.keyTypeSQL
        // xmin is a 32-bit xid and the snapshot's xmin an xid8: comparing their ages (distance back from the
        // current xid) is wraparound-safe.
        let final: Query = """
            age(s.xmin) > age((pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296)::text::xid)
            """
        var parts: [Query] = []
        if let lastKey, lastKey != safeKey {
            let above: Query = safeKey.map { "s.\(identifier: key) > \(.text($0))::text::\(type) AND " } ?? ""
            parts.append(
                """
                (SELECT 0 AS part, s.\(identifier: key) AS k, \(table.featureList) FROM \(table.qualified) s
                 WHERE \(above)s.\(identifier: key) <= \(.text(lastKey))::text::\(type) AND \(final)
                   AND NOT EXISTS (SELECT 1 FROM vaewatch.scores v
                                   WHERE v.source = \(.text(table.name)) AND v.source_id = s.\(identifier: key)::text)
                   AND NOT EXISTS (SELECT 1 FROM vaewatch.dead_letters d
                                   WHERE d.source = \(.text(table.name)) AND d.source_id = s.\(identifier: key)::text)
                 ORDER BY s.\(identifier: key) LIMIT \(.integer(Int64(limit))))
                """)
        }
        let after: Query = lastKey.map { "s.\(identifier: key) > \(.text($0))::text::\(type) AND " } ?? ""
        parts.append(
            """
            (SELECT 1 AS part, s.\(identifier: key) AS k, \(table.featureList) FROM \(table.qualified) s
             WHERE \(after)\(final)
             ORDER BY s.\(identifier: key) LIMIT \(.integer(Int64(limit))))
            """)
        let columns = Query.joined(table.columns.indices.map { Query(stringLiteral: "u.f\($0)") }, separator: ", ")
        let result = try connection.execute(
            """
            SELECT u.part, u.k::text, \(columns)
            FROM (\(Query.joined(parts, separator: " UNION ALL "))) AS u (part, k, \(featureAliases))
            ORDER BY u.part, u.k
            """, binary: true)
        var batch = SourceBatch(result: result, keyColumn: 1, firstFeature: 2, columns: table.columns)
        let paged = (0..<result.rowCount).filter { result.integer($0, 0) == 1 }
        let swept = result.rowCount - paged.count
        if let settling, swept < limit {
            let settled = unsettled[settling].key
            unsettled.removeFirst(settling + 1)
            if settled != safeKey {
                try connection.execute(
                    "UPDATE vaewatch.watermarks SET safe_key = \(.text(settled)) WHERE source = \(.text(table.name))")
            }
        }
        batch.lastKey = paged.last.flatMap { result.text($0, 1) }
        batch.snapshotXmax = xmax
        return batch
    }

    /// `f0, f1, …`: the feature columns' aliases inside the claim's union.
    private var featureAliases: Query {
        Query(stringLiteral: table.columns.indices.map { "f\($0)" }.joined(separator: ", "))
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

    /// Remembers the committed batch's last key as unsettled until the transactions in progress when it was read
    /// have ended.
    public func committed(_ batch: SourceBatch) {
        guard let key = batch.lastKey else { return }
        unsettled.append((key, batch.snapshotXmax ?? .max))
        lastKeySeen = key
    }

    /// Rewinds the watermark of `table` (`vaewatch backfill` in watermark mode): to before every row when `to`
    /// is nil, or to the key `to` (rows with larger keys are scored again, their verdicts replaced).
    public static func rewind(_ table: ResolvedSource, to key: String?, on connection: Connection) throws(PostgresError)
    {
        let value: QueryValue = key.map { .text($0) } ?? .null
        try connection.execute(
            """
            INSERT INTO vaewatch.watermarks (source, last_key, safe_key) VALUES (\(.text(table.name)), \(value), \(value))
            ON CONFLICT (source) DO UPDATE SET last_key = EXCLUDED.last_key, safe_key = EXCLUDED.safe_key,
                updated_at = now()
            """)
    }
}
