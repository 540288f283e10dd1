import PostgresStore

/// How the PostgreSQL pipeline reads, scores and writes.
package struct PostgresPipelineOptions: Sendable {
    /// Where the database is, and the statement deadline and timeouts.
    package var connection: ConnectionSettings
    /// The source table; its columns default to the model's features.
    package var source: SourceTable
    /// Queue (trigger, shareable) or watermark (no trigger, one daemon per source).
    package var mode: SourceMode = .queue
    /// Store each record's latent mean μ with its verdict (`vaewatch.scores.latent`, migration 005).
    package var storesLatentMean = false
    /// The daemon among several on the source, named in `vaewatch.scores.scored_by` (`host:pid`); nil leaves it
    /// NULL.
    package var instance: String?
    /// Send `NOTIFY vaewatch_anomalies` in each transaction that writes flagged records.
    package var notifiesAnomalies = true
    /// Most rows claimed and written per transaction.
    package var batchSize = 5000
    /// Pipelines working the source at once (queue mode; watermark mode always uses one), each with its own
    /// connection: while one waits for the server, another scores or writes. Two keep both cores of a small
    /// machine busy with the server's share of the work.
    package var workers = 2
    /// How long an idle pipeline waits for a notification before it polls the table anyway.
    package var pollInterval: Duration = .seconds(1)
    /// LISTEN for the trigger's notifications on a second connection (queue mode), so new rows are scored at
    /// once; without it the pipeline only polls.
    package var listen = true
    /// The first reconnect waits up to this long; each failure doubles it, up to ``backoffCap``.
    package var backoffBase: Duration = .seconds(1)
    /// The longest wait between connection attempts. With full jitter the mean wait is half the ceiling, so 1 s
    /// doubling to 20 s makes about 10 attempts a minute against a server that is down (14 in 99% of runs; the
    /// reliability matrix allows 15), and flags flow again within about 20 s once it is back.
    package var backoffCap: Duration = .seconds(20)

    /// While the source is behind (a claim came back full), worker 0 counts the rows waiting at most this often and
    /// reports them (``PipelineEvent/backlog(_:)``); nil: never counted.
    package var backlogEvery: Duration?

    /// Where each worker records its progress for the watchdog (nil: nobody watches).
    package var heartbeats: Heartbeats?
    /// A debug-build fault to inject (see ``FaultHook``); nil in release builds.
    package var fault: FaultHook?

    /// Options for `source` on the database `connection` reaches, with the defaults above.
    package init(connection: ConnectionSettings, source: SourceTable) {
        self.connection = connection
        self.source = source
    }
}
