import Daemon
import PostgresStore
import TestSupport
import Testing

extension PipelineFaultTests {
    /// RELIABILITY.md P14: another session holds `LOCK TABLE vaewatch.scores` (ACCESS EXCLUSIVE) while a producer
    /// inserts. The matrix's 10 s lock is scaled to 5 s with a `lock_timeout` of 1 s, so that the lock outlasts the
    /// timeout several times over: each write must give up after the timeout with 55P03 and be retried with
    /// backoff, never wait for the lock, and every row must get its verdict once the lock is gone.
    @Suite("P14: lock wait on the output table")
    struct OutputLockTests {
        /// `lock_timeout` of the pipeline's sessions.
        static let lockTimeout: Duration = .seconds(1)
        /// How long the other session holds the lock.
        static let held: Duration = .seconds(5)

        @Test(
            "P14: LOCK TABLE vaewatch.scores 5 s (lock_timeout 1 s): 55P03 after the timeout, not the lock; 0 lost / 0 dup",
            arguments: SourceMode.allCases)
        func lockedOutputTable(mode: SourceMode) throws {
            let cluster = try PostgresCluster.shared()
            let table = try MetricsTable(cluster: cluster, mode: mode)
            let batchSize = 200
            var options = table.options(mode: mode, batchSize: batchSize)
            options.connection.lockTimeout = Self.lockTimeout
            options.pollInterval = .milliseconds(200)
            options.backoffBase = .milliseconds(100)
            let pipeline = RecordingPipeline(options: options)
            let producer = SteadyProducer(settings: table.settings())
            let started = eventually(within: .seconds(30)) { pipeline.verdicts > 0 }

            let holder = try Connection(table.settings())
            defer { holder.close() }
            try holder.execute("BEGIN")
            try holder.execute("LOCK TABLE vaewatch.scores IN ACCESS EXCLUSIVE MODE")
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
                "P14 \(mode): lock held \(Self.held); \(retries.count) retries while held, the first \(first) after "
                    + "LOCK TABLE; codes \(codes); \(committedWhileHeld) verdicts committed while held; \(summary)")
            #expect(started, "the pipeline was scoring before the lock: \(pipeline.errorSummary)")
            #expect(!retries.isEmpty, "writes gave up while the table was locked: \(pipeline.errorSummary)")
            #expect(retries.allSatisfy { $0.code == "55P03" }, "each a lock timeout: \(pipeline.errorSummary)")
            // The first write after LOCK TABLE starts within a poll interval or a batch (well under a second), so its
            // timeout comes long before the lock goes: no write waits for the lock itself.
            #expect(
                (firstRetry ?? .seconds(1000)) <= Self.lockTimeout + .milliseconds(1500),
                "the first write gave up after lock_timeout, not after the 5 s lock")
            #expect(committedWhileHeld == 0, "nothing reached the locked table")
            #expect(pipeline.lostConnections == 0, "a lock timeout keeps the connection")
            #expect(pipeline.failure == nil)
            #expect(resumed, "scoring after the lock was released: \(pipeline.errorSummary)")
            #expect(caughtUp, "every row scored in the end: \(pipeline.errorSummary)")
        }
    }
}
