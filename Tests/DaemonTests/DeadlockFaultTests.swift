import Daemon
import PostgresStore
import TestSupport
import Testing

extension PipelineFaultTests {
    /// RELIABILITY.md P15: another session forces a deadlock with a batch in flight. It locks `vaewatch.scores`
    /// against writes, waits until the pipeline has claimed a batch (queue: its keys' rows of `vaewatch.queue`;
    /// watermark: the source's `vaewatch.watermarks` row, both locked until COMMIT) and is blocked writing its
    /// verdicts, then asks for what the pipeline holds. The two wait on each other in opposite orders. The other
    /// session's `deadlock_timeout` is 10 s and the pipeline's the server default of 1 s, so the server's
    /// deadlock check ends the pipeline's transaction (40P01): it must be retried, and no verdict lost or doubled.
    /// One worker, so that a single cycle forms.
    @Suite("P15: deadlock with a batch in flight")
    struct DeadlockTests {
        @Test(
            "P15: a deadlock ends the batch's transaction with 40P01; retried, then scored; 0 lost / 0 dup",
            arguments: SourceMode.allCases)
        func deadlock(mode: SourceMode) throws {
            let cluster = try PostgresCluster.shared()
            let table = try MetricsTable(cluster: cluster, mode: mode)
            let batchSize = 200
            var options = table.options(mode: mode, batchSize: batchSize)
            options.workers = 1
            options.connection.lockTimeout = nil
            options.pollInterval = .milliseconds(200)
            options.backoffBase = .milliseconds(100)
            let pipeline = RecordingPipeline(options: options)
            let producer = SteadyProducer(settings: table.settings())
            let started = eventually(within: .seconds(30)) { pipeline.verdicts > 0 }

            let other = try Connection(table.settings())
            defer { other.close() }
            try other.execute("BEGIN")
            try other.execute("SET LOCAL deadlock_timeout = '10s'")
            try other.execute("LOCK TABLE vaewatch.scores IN EXCLUSIVE MODE")
            let lockedAt = ContinuousClock.now
            // The pipeline claims its next batch and blocks on the locked table.
            pauseThread(.milliseconds(500))
            var otherError: PostgresError?
            do throws(PostgresError) {
                if mode == .queue {
                    try other.execute("SELECT count(*) FROM (SELECT 1 FROM vaewatch.queue FOR UPDATE) q")
                } else {
                    try other.execute("SELECT count(*) FROM (SELECT 1 FROM vaewatch.watermarks FOR UPDATE) w")
                }
            } catch {
                otherError = error
            }
            let releasedAt = ContinuousClock.now
            try other.execute("ROLLBACK")
            let resumed = eventually(within: .seconds(30)) { pipeline.firstCommit(after: releasedAt) != nil }
            producer.stop()
            let caughtUp = try eventually(within: .seconds(60)) { try table.lostAndStray().lost == 0 }
            pipeline.stop()

            let codes = pipeline.events.compactMap { event -> String? in
                guard event.at > lockedAt, case .retrying(_, let error) = event.kind else { return nil }
                return error.sqlState?.code ?? "none"
            }
            let summary = try ExactlyOnce.check(
                table, mode: mode, pipeline: pipeline, batchSize: batchSize,
                unknownCommitsPossible: pipeline.lostConnections)
            print(
                "P15 \(mode): the other session held its lock \(lockedAt.duration(to: releasedAt).rounded) s; "
                    + "pipeline retries since the lock \(codes); \(summary)")
            #expect(started, "the pipeline was scoring before the lock: \(pipeline.errorSummary)")
            #expect(
                otherError == nil,
                "the pipeline's transaction, not the other session's, was ended: \(otherError?.description ?? "")")
            #expect(codes.first == "40P01", "the first retry after the lock is the deadlock: \(codes)")
            #expect(codes.count <= 5, "retried a few times at most: \(codes)")
            #expect(pipeline.lostConnections == 0, "a deadlock keeps the connection")
            #expect(pipeline.failure == nil)
            #expect(resumed, "scoring after the other session ended: \(pipeline.errorSummary)")
            #expect(caughtUp, "every row scored in the end: \(pipeline.errorSummary)")
        }
    }
}
