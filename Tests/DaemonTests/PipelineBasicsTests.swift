import Daemon
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
