/// Watermark mode: pages through the table by key with no trigger, one daemon per source (held by a session
/// advisory lock). The last key read is stored in the transaction that writes the verdicts.
///
/// Paging by key alone loses rows: a transaction can take a smaller key and commit after a larger key was read
/// (finding L10). Two rules keep every row:
/// - a row is read only once its inserting transaction is older than the snapshot's xmin, so it is final;
/// - that alone is not enough (a transaction that took its xid before another took its key commits the larger key
///   first), so the source also keeps a *settled* key: every row up to it is final and has its verdict. A range
///   of keys read earlier gets a barrier: the xid of this source's first transaction that starts at least
///   ``barrierDelay`` after the read, so every transaction writing at the time of the read has a smaller xid. The
///   range settles once the snapshot's xmin passes the barrier. If the range then holds more rows than were read
///   from it, the late ones are swept up (rows with no verdict and no dead letter) in the same transaction that
///   moves the settled key.
///
/// A snapshot's xmax cannot serve as the barrier: it is one past the last *completed* xid, and a transaction that
/// took its xid after that but before the read is neither in the snapshot nor below its xmax.
///
/// This relies on keys being drawn when the row is written and growing with time (a sequence default, an identity
/// column, an insertion timestamp): a transaction that starts after a key was read takes a larger key. Keys
/// drawn long before the INSERT (an ORM's prefetched id block) break that; use queue mode for such tables.
package final class WatermarkSource: PostgresSource {
    /// The checked source table.
    package let table: ResolvedSource
    /// Batches read but not yet settled, oldest first: each batch's last key, when it was read, its barrier xid
    /// once assigned, and how many rows it read (nil when unknown, after a restart or a rewind).
    private var unsettled: [(key: String, readAt: ContinuousClock.Instant, barrier: UInt64?, rows: Int?)] = []
    /// The watermark as this source last saw it, to notice a rewind by `vaewatch backfill`.
    private var lastKeySeen: String?
    /// A settled key the claim found, for `advance` to store with the watermark.
    private var settledKey: String?
    /// How long after a read its barrier xid is taken: a transaction that drew its key just before the read gets
    /// its xid within microseconds (in the same INSERT), well inside this margin.
    static let barrierDelay: Duration = .milliseconds(50)

    /// A watermark source over `table`.
    package init(table: ResolvedSource) { self.table = table }

    /// Checks that the table has no trigger (``SourceSetup/check(_:servedIn:on:)``), takes the source's advisory lock (throws ``PostgresError/Kind/busy`` when another daemon holds it),
    /// creates the watermark row if there is none, and treats everything from the settled key up to the stored
    /// watermark as unsettled until the transactions in progress now have ended.
    package func prepare(_ connection: Connection) throws(PostgresError) {
        try SourceSetup.check(table, servedIn: .watermark, on: connection)
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
            "SELECT last_key FROM vaewatch.watermarks WHERE source = \(.text(table.name))")
        lastKeySeen = row.text(0, 0)
        unsettled = lastKeySeen.map { [($0, .now, nil, nil)] } ?? []
    }

    /// Settles what it can, sweeping up late rows when a settling range holds more rows than were read from it,
    /// then reads up to `limit` rows after the watermark in key order, committed below the snapshot's xmin. The
    /// watermark row stays locked until COMMIT, so a concurrent rewind waits for the batch instead of being
    /// overwritten by it.
    package func claim(_ connection: Connection, limit: Int) throws(PostgresError) -> SourceBatch {
        let state = try connection.execute(
            """
            SELECT last_key, safe_key, pg_snapshot_xmin(pg_current_snapshot())::text, pg_current_xact_id()::text
            FROM vaewatch.watermarks WHERE source = \(.text(table.name)) FOR UPDATE
            """)
        let lastKey = state.text(0, 0)
        let safeKey = state.text(0, 1)
        let xmin = UInt64(state.text(0, 2) ?? "") ?? 0
        let ownXid = UInt64(state.text(0, 3) ?? "") ?? .max
        if lastKey != lastKeySeen {
            // Rewound (or moved) by someone else: what was unsettled no longer applies.
            unsettled = lastKey.map { [($0, .now, nil, nil)] } ?? []
            lastKeySeen = lastKey
        }
        // This transaction's xid is the barrier of every read made long enough ago: whatever was writing then
        // has a smaller xid.
        let now = ContinuousClock.now
        for index in unsettled.indices where unsettled[index].barrier == nil {
            if unsettled[index].readAt.duration(to: now) >= Self.barrierDelay { unsettled[index].barrier = ownXid }
        }
        var parts: [Query] = []
        var settle: (index: Int, key: String)?
        if let index = unsettled.lastIndex(where: { $0.barrier.map { $0 < xmin } ?? false }) {
            let settling = unsettled[index].key
            let read = unsettled[...index].reduce(0 as Int?) { total, batch in
                guard let total, let rows = batch.rows else { return nil }
                return total + rows
            }
            parts.append(lateRows(above: safeKey, upTo: settling, unlessCounting: read, limit: limit))
            settle = (index, settling)
        }
        let after: Query =
            lastKey.map { "s.\(identifier: table.key) > \(.text($0))::text::\(table.keyTypeSQL) AND " } ?? ""
        parts.append(
            """
            (SELECT 1 AS part, s.\(identifier: table.key) AS k, \(table.recordList) FROM \(table.qualified) s
             WHERE \(after)\(final)
             ORDER BY s.\(identifier: table.key) LIMIT \(.integer(Int64(limit))))
            """)
        let result = try connection.execute(
            """
            SELECT u.part, u.k::text, \(table.recordAliases(prefix: "u."))
            FROM (\(Query.joined(parts, separator: " UNION ALL "))) AS u (part, k, \(table.recordAliases(prefix: "")))
            ORDER BY u.part, u.k
            """, binary: true)
        var batch = SourceBatch(
            result: result, keyColumn: 1, firstFeature: 2, columns: table.columns, timeColumn: table.timeColumn)
        let paged = (0..<result.rowCount).filter { result.integer($0, 0) == 1 }
        let swept = result.rowCount - paged.count
        batch.lastKey = paged.last.flatMap { result.text($0, 1) }
        batch.paged = paged.count
        settledKey = nil
        if let settle, swept < limit {
            unsettled.removeFirst(settle.index + 1)
            if settle.key != safeKey {
                settledKey = settle.key
                // With rows, advance stores it beside the watermark; without, the pipeline does not advance.
                if batch.isEmpty { storeSettledKey(on: connection) }
            }
        }
        return batch
    }

    /// Stores the batch's last key, and the settled key the claim found: queued (``Connection/enqueue(_:)``), to
    /// go with the `COMMIT`.
    package func advance(_ connection: Connection, past batch: SourceBatch) {
        guard let key = batch.lastKey else { return storeSettledKey(on: connection) }
        let settled: QueryValue = settledKey.map { .text($0) } ?? .null
        connection.enqueue(
            """
            UPDATE vaewatch.watermarks
            SET last_key = \(.text(key)), safe_key = coalesce(\(settled)::text, safe_key), updated_at = now()
            WHERE source = \(.text(table.name))
            """)
        settledKey = nil
    }

    private func storeSettledKey(on connection: Connection) {
        guard let settledKey else { return }
        connection.enqueue(
            "UPDATE vaewatch.watermarks SET safe_key = \(.text(settledKey)) WHERE source = \(.text(table.name))")
        self.settledKey = nil
    }

    /// Remembers the committed batch's range as unsettled until its barrier has passed.
    package func committed(_ batch: SourceBatch) {
        guard let key = batch.lastKey else { return }
        unsettled.append((key, .now, nil, batch.paged))
        lastKeySeen = key
    }

    /// The table's rows after the watermark.
    package func backlog(_ connection: Connection) throws(PostgresError) -> Int {
        let after: Query =
            lastKeySeen.map { "WHERE s.\(identifier: table.key) > \(.text($0))::text::\(table.keyTypeSQL)" } ?? ""
        let result = try connection.execute("SELECT count(*) FROM \(table.qualified) s \(after)")
        return Int(result.text(0, 0) ?? "") ?? 0
    }

    // MARK: - Queries

    /// A row's inserting transaction is older than every transaction in progress. xmin is a 32-bit xid and the
    /// snapshot's xmin an xid8: comparing their ages (distance back from the current xid) is wraparound-safe.
    private var final: Query {
        "age(s.xmin) > age((pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296)::text::xid)"
    }

    /// `s.key > lower AND s.key <= upper AND ` (no lower bound when `lower` is nil).
    private func range(above lower: String?, upTo upper: String) -> Query {
        let above: Query =
            lower.map { "s.\(identifier: table.key) > \(.text($0))::text::\(table.keyTypeSQL) AND " } ?? ""
        return "\(above)s.\(identifier: table.key) <= \(.text(upper))::text::\(table.keyTypeSQL) AND "
    }

    /// The final rows of the key range with no verdict and no dead letter: late commits. With `read` (the rows
    /// read from the range when it was paged), only when the range holds another number of rows now: the count is
    /// an uncorrelated subquery, which the server runs once as the scan's one-time filter, so a complete range
    /// costs a count and no anti-join, in the claim's own round trip. Every transaction that could write in a
    /// settling range has ended, so every row there is final: the count needs no xmin test. A row deleted from the
    /// range since could hide a late one in the count; a mismatch either way sweeps.
    private func lateRows(above lower: String?, upTo upper: String, unlessCounting read: Int?, limit: Int) -> Query {
        let incomplete: Query =
            read.map {
                "AND (SELECT count(*) FROM \(table.qualified) s WHERE \(range(above: lower, upTo: upper))true) "
                    + "<> \(.integer(Int64($0)))"
            } ?? ""
        return """
            (SELECT 0 AS part, s.\(identifier: table.key) AS k, \(table.recordList) FROM \(table.qualified) s
             WHERE \(range(above: lower, upTo: upper))\(final)
               AND NOT EXISTS (SELECT 1 FROM vaewatch.scores v
                               WHERE v.source = \(.text(table.name)) AND v.source_id = s.\(identifier: table.key)::text)
               AND NOT EXISTS (SELECT 1 FROM vaewatch.dead_letters d
                               WHERE d.source = \(.text(table.name)) AND d.source_id = s.\(identifier: table.key)::text)
               \(incomplete)
             ORDER BY s.\(identifier: table.key) LIMIT \(.integer(Int64(limit))))
            """
    }

    /// Rewinds the watermark of `table` (`vaewatch backfill` in watermark mode): to before every row when `to`
    /// is nil, or to the key `to` (rows with larger keys are scored again, their verdicts replaced).
    package static func rewind(_ table: ResolvedSource, to key: String?, on connection: Connection)
        throws(PostgresError)
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
