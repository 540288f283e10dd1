/// Queue mode: claims keys that the trigger enqueued with `FOR UPDATE SKIP LOCKED`, fetches their features by
/// joining the source table, and deletes the claimed queue rows in the transaction that writes their verdicts. A
/// crash before COMMIT undoes the claim, so the keys are scored again, once.
package final class QueueSource: PostgresSource {
    /// The checked source table.
    package let table: ResolvedSource

    /// A queue source over `table`.
    package init(table: ResolvedSource) { self.table = table }

    /// Checks that the table has the trigger (``SourceSetup/check(_:servedIn:on:)``); the queue holds the position.
    package func prepare(_ connection: Connection) throws(PostgresError) {
        try SourceSetup.check(table, servedIn: .queue, on: connection)
    }

    /// Claims the oldest `limit` queue rows not locked by another daemon, with their features. The claim deletes
    /// them at once (`DELETE … RETURNING`): one tuple change instead of a lock and a later delete, undone with
    /// everything else if the transaction does not commit. `id = ANY(ARRAY(…))` keeps the delete on the primary
    /// key; `id IN (…)` planned a hash join over the whole queue, twice as slow with 200,000 rows waiting.
    ///
    /// The claim runs with `enable_sort` off (`SET LOCAL`, queued with it, and back to the default after it): the
    /// queue is often near empty when autovacuum analyzes it, and with those statistics a burst of queued rows
    /// (a backfill, an outage caught up) was planned as a bitmap scan of the source's whole queue and a sort, on
    /// every claim: 277 ms per 5,000-row claim with 1,000,000 rows waiting, instead of 2.4 ms down the `(source,
    /// id)` index, which already holds the keys in order.
    ///
    /// Each claimed key's row is looked up by the key's unique index, one at a time (a LATERAL subquery behind
    /// `OFFSET 0`, which the planner cannot flatten into a join): with the source table's statistics taken while
    /// it was small, a plain join was planned as a hash join over the whole table, on every claim.
    ///
    /// A claim starts at this worker's floor, past the queue rows it claimed in its last committed batch, rather
    /// than at the head of the queue: the rows it deleted stay in the `(source, id)` index until vacuum, and while
    /// any snapshot older than their deletion lives (autovacuum's ANALYZE of a large source table holds one for
    /// seconds) each claim from the head walks every one of them again: claims of 5,000 rows took 2 to 8 s in a
    /// 1,000,000-row drain instead of milliseconds. Rows below the floor (another worker's claim rolled back, a
    /// key enqueued by a transaction that committed late) are not lost: a claim that comes back short, and every
    /// claim once the floor is ``floorLifetime`` old, starts at the head again.
    ///
    /// A queued key that matches no row (the row was deleted since) comes back as a rejected row, for the dead
    /// letters. A key that does not even read as the key's type (queued before migration 004 in a session with
    /// another DateStyle) fails the claim with a data exception; the next claim, after the pipeline's rollback,
    /// checks every key first (``safeClaim``) so that such a key becomes a dead letter instead of stalling the queue.
    package func claim(_ connection: Connection, limit: Int) throws(PostgresError) -> SourceBatch {
        let checked = safeClaim
        let readable: Query =
            checked ? "vaewatch.key_reads_as(source_id, \(.text(table.keyType))::regtype)" : "true"
        let keyValue: Query =
            checked
            ? "CASE WHEN c.readable THEN c.source_id::\(table.keyTypeSQL) END" : "c.source_id::\(table.keyTypeSQL)"
        let start = claimStart()
        do {
            connection.enqueue("SET LOCAL enable_sort = off")
            let result = try connection.execute(
                """
                WITH claimed AS (
                    DELETE FROM vaewatch.queue WHERE id = ANY(ARRAY(
                        SELECT id FROM vaewatch.queue WHERE source = \(.text(table.name)) AND id >= \(.integer(start))
                        ORDER BY id LIMIT \(.integer(Int64(limit))) FOR UPDATE SKIP LOCKED))
                    RETURNING id, source_id, \(readable) AS readable,
                        extract(epoch FROM clock_timestamp() - enqueued_at)::float8 AS queued)
                SELECT c.id, c.source_id, \
                CASE WHEN NOT c.readable THEN 'unreadable' WHEN r.present IS NULL THEN 'gone' END, \
                c.queued, \(table.recordAliases(prefix: "r."))
                FROM claimed c
                LEFT JOIN LATERAL (
                    SELECT true, \(table.recordList) FROM \(table.qualified) s
                    WHERE s.\(identifier: table.key) = \(keyValue) OFFSET 0
                ) AS r (present, \(table.recordAliases(prefix: ""))) ON true
                """, binary: true)
            connection.enqueue("SET LOCAL enable_sort TO DEFAULT")
            safeClaim = false
            // DELETE … RETURNING keeps no order: the floor is past the largest id claimed.
            nextFloor =
                result.rowCount < limit
                ? nil : (0..<result.rowCount).compactMap { result.integer($0, 0) }.max().map { $0 + 1 }
            return SourceBatch(
                result: result, keyColumn: 1, firstFeature: 4, columns: table.columns, timeColumn: table.timeColumn,
                absence: (column: 2, reason: absenceReason), queuedColumn: 3)
        } catch {
            if !checked, error.sqlState?.errorClass == "22" { safeClaim = true }
            throw error
        }
    }

    /// After a claim failed with a data exception: check that each key reads as the key's type before casting it.
    private var safeClaim = false
    /// Where the next claim starts in the queue (``claim(_:limit:)``), and since when; 0 is the head.
    private var claimFloor: (id: Int64, since: ContinuousClock.Instant) = (0, .now)
    /// The floor past the last claim, which ``committed(_:)`` makes the claim floor; nil after a short claim.
    private var nextFloor: Int64?
    /// How long a claim floor is kept before a claim starts at the head of the queue again: how long a row below
    /// the floor can wait while the worker stays behind, and at most one claim from the head (past every deleted
    /// row there) per worker in that time.
    static let floorLifetime: Duration = .seconds(60)

    /// The first queue id this claim may take: the claim floor, or 0 (the head) once the floor is
    /// ``floorLifetime`` old.
    private func claimStart() -> Int64 {
        if claimFloor.since.duration(to: .now) >= Self.floorLifetime { claimFloor = (0, .now) }
        return claimFloor.id
    }

    /// Why a claimed key has no row to score, from the claim's `unreadable` or `gone`.
    private func absenceReason(_ code: String, key: String) -> String {
        code == "unreadable"
            ? "the queued key \(key) does not read as \(table.keyType) (queued by a vaewatch older than migration 004 "
                + "in a session with other DateStyle or TimeZone settings); score the row again with vaewatch backfill"
            : "no row of \(table.schema).\(table.table) has key \(key): it was deleted after it was queued"
    }

    /// Nothing to do: the claim deleted the queue rows, in the same transaction.
    package func advance(_ connection: Connection, past batch: SourceBatch) {}

    /// Moves the claim floor past the committed batch, or back to the head of the queue after a short claim.
    package func committed(_ batch: SourceBatch) {
        guard let nextFloor else {
            claimFloor = (0, .now)
            return
        }
        if claimFloor.id == 0 { claimFloor.since = .now }
        claimFloor.id = nextFloor
    }

    /// The source's keys in `vaewatch.queue` (those other daemons have claimed and not yet committed included).
    package func backlog(_ connection: Connection) throws(PostgresError) -> Int {
        let result = try connection.execute("SELECT count(*) FROM vaewatch.queue WHERE source = \(.text(table.name))")
        return Int(result.text(0, 0) ?? "") ?? 0
    }

    /// Installs (or replaces) the trigger `vaewatch_enqueue` on the table, which enqueues the key of every
    /// inserted row and notifies channel `vaewatch` with the source's name.
    package static func installTrigger(_ table: ResolvedSource, on connection: Connection) throws(PostgresError) {
        try connection.execute(
            """
            SELECT vaewatch.install_trigger(\(.text(table.oid))::oid::regclass, \(.text(table.key)), \
            \(.text(table.name)))
            """)
    }

    /// Removes the trigger, if the table has it, and the source's queued keys (the source moves to watermark
    /// mode).
    package static func removeTrigger(_ table: ResolvedSource, on connection: Connection) throws(PostgresError) {
        try connection.execute("SELECT vaewatch.remove_trigger(\(.text(table.oid))::oid::regclass)")
        try connection.execute("DELETE FROM vaewatch.queue WHERE source = \(.text(table.name))")
    }

    /// Whether the table has the trigger.
    package static func hasTrigger(_ table: ResolvedSource, on connection: Connection) throws(PostgresError) -> Bool {
        let result = try connection.execute(
            """
            SELECT count(*) FROM pg_catalog.pg_trigger
            WHERE tgrelid = \(.text(table.oid))::oid AND tgname = 'vaewatch_enqueue'
            """)
        return result.text(0, 0) != "0"
    }

    /// Enqueues every existing row of the table (`vaewatch backfill`), or those with a key above `after`; returns
    /// how many were enqueued.
    package static func backfill(_ table: ResolvedSource, after: String?, on connection: Connection)
        throws(PostgresError)
        -> Int
    {
        let after: QueryValue = after.map { .text($0) } ?? .null
        let result = try connection.execute(
            """
            INSERT INTO vaewatch.queue (source, source_id)
            SELECT \(.text(table.name)), s.\(identifier: table.key)::text FROM \(table.qualified) s
            WHERE \(after)::text IS NULL OR s.\(identifier: table.key) > \(after)::text::\(table.keyTypeSQL)
            ORDER BY s.\(identifier: table.key)
            """)
        try connection.execute("SELECT pg_notify('vaewatch', \(.text(table.name)))")
        return result.affectedRows
    }
}
