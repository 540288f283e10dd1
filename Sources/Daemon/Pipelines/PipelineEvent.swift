import Detector
import PostgresStore

/// What the PostgreSQL pipeline reports as it runs: the daemon turns these into logs, STATUS and counters.
package enum PipelineEvent: Sendable {
    /// Connected (or, `reconnected`, connected again after a lost connection) and ready: the source table was
    /// checked, locks taken.
    case connected(target: String, source: ResolvedSource, reconnected: Bool)
    /// The database cannot be reached, or the connection broke; the pipeline waits `retryIn` and tries again.
    case waitingForDatabase(attempt: Int, error: PostgresError, retryIn: Duration)
    /// A transaction failed and is retried after `retryIn`: a transient conflict (deadlock, lock or statement
    /// timeout), or an error that someone must fix meanwhile (a missing privilege, a dropped table).
    case retrying(attempt: Int, error: PostgresError, retryIn: Duration)
    /// The LISTEN connection (queue mode) could not be opened; the pipeline polls meanwhile and tries again after
    /// `retryIn` (its own backoff).
    case listenerFailed(attempt: Int, error: PostgresError, retryIn: Duration)
    /// Another daemon holds the watermark of this source; the pipeline waits and tries again.
    case sourceBusy(PostgresError)
    /// The source had nothing to claim: every row so far has its verdict.
    case caughtUp
    /// A batch committed: its records, their verdicts (row for row), what the sink did, the rows claimed, how long
    /// the transaction took from before the claim to after COMMIT, and (queue mode) the seconds each record had been
    /// queued when it was claimed (row for row; empty in watermark mode).
    case committed(
        records: RecordBatch, verdicts: Verdicts, report: VerdictSink.Report, claimed: Int, took: Duration,
        queued: [Double])
    /// Rows waiting to be scored, counted while the source is behind (``PostgresPipelineOptions/backlogEvery``).
    case backlog(Int)
}
