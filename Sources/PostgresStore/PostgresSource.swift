/// Where records come from: a claim inside a transaction, and a position advanced in the same transaction as the
/// verdicts. Confined to the thread of the pipeline that owns it.
package protocol PostgresSource: AnyObject {
    /// The checked source table.
    var table: ResolvedSource { get }

    /// Readies a fresh connection (after every connect and reconnect): takes locks, loads positions.
    func prepare(_ connection: Connection) throws(PostgresError)

    /// Claims up to `limit` rows inside the open transaction.
    func claim(_ connection: Connection, limit: Int) throws(PostgresError) -> SourceBatch

    /// Advances the source past `batch` inside the open transaction: queues what that takes
    /// (``Connection/enqueue(_:)``), to run with the transaction's COMMIT.
    func advance(_ connection: Connection, past batch: SourceBatch)

    /// Called once the transaction that advanced past `batch` has committed.
    func committed(_ batch: SourceBatch)

    /// Counts the rows waiting to be scored (outside a transaction): a full count, for a source that is behind.
    func backlog(_ connection: Connection) throws(PostgresError) -> Int
}

/// How a source finds new rows.
package enum SourceMode: String, Sendable, CaseIterable {
    /// A trigger enqueues new keys; any number of daemons share the table (`FOR UPDATE SKIP LOCKED`).
    case queue
    /// No trigger: page through the table by key, below the snapshot's xmin; one daemon per source.
    case watermark
}
