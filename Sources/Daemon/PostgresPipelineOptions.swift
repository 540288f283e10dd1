import PostgresStore

/// How the PostgreSQL pipeline reads, scores and writes.
public struct PostgresPipelineOptions: Sendable {
    /// Where the database is, and the statement deadline and timeouts.
    public var connection: ConnectionSettings
    /// The source table; its columns default to the model's features.
    public var source: SourceTable
    /// Queue (trigger, shareable) or watermark (no trigger, one daemon per source).
    public var mode: SourceMode = .queue
    /// Most rows claimed and written per transaction.
    public var batchSize = 5000
    /// How long an idle pipeline waits for a notification before it polls the table anyway.
    public var pollInterval: Duration = .seconds(1)
    /// LISTEN for the trigger's notifications on a second connection (queue mode), so new rows are scored at
    /// once; without it the pipeline only polls.
    public var listen = true
    /// The first reconnect waits up to this long; each failure doubles it, up to ``backoffCap``.
    public var backoffBase: Duration = .milliseconds(100)
    /// The longest wait between connection attempts.
    public var backoffCap: Duration = .seconds(5)

    /// Options for `source` on the database `connection` reaches, with the defaults above.
    public init(connection: ConnectionSettings, source: SourceTable) {
        self.connection = connection
        self.source = source
    }
}
