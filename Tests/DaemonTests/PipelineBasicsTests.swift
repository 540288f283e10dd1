import Compute
import Daemon
import Detector
import Synchronization
import PostgresStore
import TestSupport
import Testing

@Suite("PostgreSQL pipeline basics")
struct PipelineBasicsTests {
    @Test("queue and watermark mode each score every inserted row once", arguments: SourceMode.allCases)
    func scoresEveryRow(mode: SourceMode) throws {
        let table = try MetricsTable(cluster: try PostgresCluster.shared(), mode: mode)
        let producer = try Connection(table.settings())
        try table.insert(0..<1000, on: producer)
        let pipeline = RunningPipeline(options: table.options(mode: mode))
        let scored = try table.waitUntilScored(timeout: .seconds(20))
        try table.insert(1000..<1500, on: producer)
        let scoredLater = try table.waitUntilScored(timeout: .seconds(20))
        pipeline.stop()
        #expect(pipeline.failure == nil)
        #expect(scored && scoredLater, "errors: \(pipeline.errors)")
        let (lost, stray) = try table.lostAndStray()
        #expect(lost == 0 && stray == 0)
        #expect(pipeline.verdicts == 1500, "each row scored exactly once")
        if mode == .queue {
            #expect(try table.cluster.psql("SELECT count(*) FROM vaewatch.queue", database: table.database) == "0")
        }
    }
}

@Suite("PostgreSQL pipeline group")
struct PipelineGroupTests {
    @Test("two queue workers share the queue: every row scored exactly once")
    func twoWorkers() throws {
        let table = try MetricsTable(cluster: try PostgresCluster.shared(), mode: .queue)
        let producer = try Connection(table.settings())
        var options = table.options(mode: .queue)
        options.workers = 2
        let group = PostgresPipelineGroup(options: options, detector: { PipelineModel.detector })
        #expect(group.workerCount == 2)
        final class Counts: Sendable {
            let value = Mutex<[Int: Int]>([:])
        }
        let counts = Counts()
        let stop = StopSignal()
        let runner = BackgroundThread {
            try? group.run(until: stop) { worker, event in
                if case .committed(let records, _, _, _, _, _) = event {
                    counts.value.withLock { $0[worker, default: 0] += records.count }
                }
            }
        }
        for start in stride(from: 0, to: 4000, by: 100) { try table.insert(start..<start + 100, on: producer) }
        let scored = try table.waitUntilScored(timeout: .seconds(30))
        stop.stop()
        runner.join()
        #expect(scored)
        let perWorker = counts.value.withLock { $0 }
        #expect(perWorker.values.reduce(0, +) == 4000, "each row once: \(perWorker)")
        #expect(try table.lostAndStray() == (0, 0))
        var watermark = table.options(mode: .watermark)
        watermark.workers = 4
        #expect(PostgresPipelineGroup(options: watermark, detector: { PipelineModel.detector }).workerCount == 1)
    }
}
