import Daemon
import PostgresStore
import TestSupport
import Testing

extension PipelineFaultTests {
    /// RELIABILITY.md P14 and P13: another session holds `LOCK TABLE vaewatch.scores IN EXCLUSIVE MODE` (every
    /// write waits; reads do not) while a producer inserts. Not the default ACCESS EXCLUSIVE: that lock is logged
    /// for standbys, so it gives the holder a transaction id, which holds back the snapshot xmin below which
    /// watermark mode reads. Watermark mode would then claim no new row while the lock is held, and whether it
    /// had a write to time out would depend on the backlog at that moment. The matrix's 10 s lock is scaled to 5 s with a timeout of 1 s, so that the lock outlasts
    /// the timeout several times over: each write must give up after the timeout (`lock_timeout`: 55P03; or,
    /// without one, `statement_timeout`: 57014) and be retried with backoff on the same connection, never wait for
    /// the lock, and every row must get its verdict once the lock is gone.
    @Suite("P14, P13: lock wait on the output table, ended by lock_timeout or statement_timeout")
    struct OutputLockTests {
        /// Which server-side timeout ends the wait.
        enum Timeout: String, CaseIterable, Sendable, CustomTestStringConvertible {
            case lock = "lock_timeout"
            case statement = "statement_timeout"

            /// The SQLSTATE it ends a statement with.
            var code: String { self == .lock ? "55P03" : "57014" }
            var testDescription: String { rawValue }
        }

        /// The timeout of the pipeline's sessions.
        static let timeout: Duration = .seconds(1)
        /// How long the other session holds the lock.
        static let held: Duration = .seconds(5)

        @Test(
            "P14, P13: LOCK TABLE vaewatch.scores 5 s, timeout 1 s: retried after the timeout, not the lock; 0 lost / 0 dup",
            arguments: SourceMode.allCases, Timeout.allCases)
        func lockedOutputTable(mode: SourceMode, timeout: Timeout) throws {
            let cluster = try PostgresCluster.shared()
            let table = try MetricsTable(cluster: cluster, mode: mode)
            let batchSize = 200
            var options = table.options(mode: mode, batchSize: batchSize)
            switch timeout {
            case .lock:
                options.connection.lockTimeout = Self.timeout
            case .statement:
                options.connection.lockTimeout = nil
                options.connection.statementTimeout = Self.timeout
            }
            options.pollInterval = .milliseconds(200)
            options.backoffBase = .milliseconds(100)
            let pipeline = RecordingPipeline(options: options)
            let producer = SteadyProducer(settings: table.settings())
            let started = eventually(within: .seconds(30)) { pipeline.verdicts > 0 }

            let holder = try Connection(table.settings())
            defer { holder.close() }
            try holder.execute("BEGIN")
            try holder.execute("LOCK TABLE vaewatch.scores IN EXCLUSIVE MODE")
            let lockedAt = ContinuousClock.now
            pauseThread(Self.held)
            let releasedAt = ContinuousClock.now
            try holder.execute("COMMIT")
            let resumed = eventually(within: .seconds(30)) { pipeline.firstCommit(after: releasedAt) != nil }
            producer.stop()
            let caughtUp = try eventually(within: .seconds(60)) { try table.lostAndStray().lost == 0 }
            pipeline.stop()

            let retries = pipeline.events.compactMap { event -> (at: ContinuousClock.Instant, code: String?)? in
                guard event.at > lockedAt, event.at <= releasedAt, case .retrying(_, let error) = event.kind else {
                    return nil
                }
                return (event.at, error.sqlState?.code)
            }
            let firstRetry = retries.first.map { lockedAt.duration(to: $0.at) }
            // A batch that took its locks before LOCK TABLE may commit just after it; none commits later while held.
            let committedWhileHeld = pipeline.verdicts(between: lockedAt + .milliseconds(500), and: releasedAt)
            let summary = try ExactlyOnce.check(
                table, mode: mode, pipeline: pipeline, batchSize: batchSize,
                unknownCommitsPossible: pipeline.lostConnections)
            let first = firstRetry.map { "\($0.rounded) s" } ?? "never"
            let codes = Set(retries.map { $0.code ?? "none" }).sorted()
            print(
                "\(timeout.rawValue) \(mode): lock held \(Self.held); \(retries.count) retries while held, the first \(first) after "
                    + "LOCK TABLE; codes \(codes); \(committedWhileHeld) verdicts committed while held; \(summary)")
            #expect(started, "the pipeline was scoring before the lock: \(pipeline.errorSummary)")
            #expect(!retries.isEmpty, "writes gave up while the table was locked: \(pipeline.errorSummary)")
            #expect(retries.allSatisfy { $0.code == timeout.code }, "each a \(timeout): \(pipeline.errorSummary)")
            // The first write after LOCK TABLE starts within a poll interval or a batch (well under a second), so its
            // timeout comes long before the lock goes: no write waits for the lock itself.
            #expect(
                (firstRetry ?? .seconds(1000)) <= Self.timeout + .milliseconds(1500),
                "the first write gave up after the timeout, not after the 5 s lock")
            #expect(committedWhileHeld == 0, "nothing reached the locked table")
            #expect(pipeline.lostConnections == 0, "a timeout keeps the connection")
            #expect(pipeline.failure == nil)
            #expect(resumed, "scoring after the lock was released: \(pipeline.errorSummary)")
            #expect(caughtUp, "every row scored in the end: \(pipeline.errorSummary)")
        }
    }
}
