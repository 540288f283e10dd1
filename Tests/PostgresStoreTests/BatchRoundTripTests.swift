import Detector
import PostgresStore
import TestSupport
import Testing

/// What one batch's transaction costs in round trips, counted by a pass-through ``FaultProxy`` from the protocol
/// messages the client waits after (simple queries, Syncs, ends of COPY data): over a link with latency, round
/// trips are what bounds a batch (RELIABILITY.md P7).
@Suite("PostgresStore: round trips of a batch")
struct BatchRoundTripTests {
    /// A private cluster on TCP behind a pass-through proxy, a migrated database with `public.metrics`, and a
    /// connection through the proxy.
    private struct Link {
        let cluster: PostgresCluster
        let proxy: FaultProxy
        let connection: Connection
        let table: ResolvedSource

        init(purpose: String) throws {
            let port = try TCPListening.freePort()
            cluster = try PostgresCluster.start(
                purpose: purpose, tcp: TCPListening(addresses: ["127.0.0.1"], port: port))
            do {
                let database = try TestDatabase(on: cluster, migrated: true)
                try database.psql("CREATE TABLE public.metrics (id bigint PRIMARY KEY, a float8, b float8)")
                proxy = try FaultProxy(port: port) { _ in .pass }
                connection = try Connection(
                    ConnectionSettings(
                        conninfo: "host=127.0.0.1 port=\(proxy.port) user=postgres dbname=\(database.name)"))
                table = try ResolvedSource.resolve(
                    SourceTable(table: QualifiedName(parsing: "metrics"), key: "id"), on: connection)
            } catch {
                cluster.destroy()
                throw error
            }
        }

        /// Inserts rows `first`…`first + 99`, every 10th with a NaN (rejected by the claim, dead-lettered in the
        /// batch).
        func insert(from first: Int = 1) throws {
            try connection.execute(
                """
                INSERT INTO public.metrics
                SELECT i, CASE WHEN i % 10 = 0 THEN 'NaN'::float8 ELSE i END, i * 2
                FROM generate_series(\(.integer(Int64(first)))::int, \(.integer(Int64(first + 99)))::int) i
                """)
        }

        /// One batch as the pipeline runs it (claim, write with a flagged record, advance, commit), and the round
        /// trips it took.
        func batch(_ source: any PostgresSource, sink: VerdictSink) throws -> (rounds: Int, written: Int) {
            let before = proxy.roundTrips
            let (batch, report) = try connection.transaction {
                (connection) throws(PostgresError) -> (SourceBatch, VerdictSink.Report) in
                let batch = try source.claim(connection, limit: 100)
                let report = try sink.write(connection, keys: batch.records.keys, rejected: batch.rejected) {
                    sampleVerdicts(count: batch.records.count)
                }
                source.advance(connection, past: batch)
                return (batch, report)
            }
            source.committed(batch)
            #expect(report.unscorable.count == 10 && report.notice != nil, "a tail to carry: dead letters, a notice")
            return (proxy.roundTrips - before, report.written)
        }

        func destroy() {
            proxy.stop()
            cluster.destroy()
        }
    }

    @Test("queue mode: four, the BEGIN with the claim, the COPY's two, and the tail with the COMMIT")
    func queue() throws {
        let link = try Link(purpose: "round-trips-queue")
        defer { link.destroy() }
        try QueueSource.installTrigger(link.table, on: link.connection)
        try link.insert()
        let source = QueueSource(table: link.table)
        try source.prepare(link.connection)
        let sink = VerdictSink(source: link.table.name, notifiesAnomalies: true)
        try sink.prepare(link.connection)
        let (rounds, written) = try link.batch(source, sink: sink)
        print("queue batch of 100 rows (10 rejected, flagged ones notified): \(rounds) round trips")
        #expect(written == 90)
        #expect(rounds == 4)
    }

    @Test("watermark mode: five, the watermark's state before the claim, in batch after batch")
    func watermark() throws {
        let link = try Link(purpose: "round-trips-watermark")
        defer { link.destroy() }
        let source = WatermarkSource(table: link.table)
        try source.prepare(link.connection)
        let sink = VerdictSink(source: link.table.name, notifiesAnomalies: true)
        try sink.prepare(link.connection)
        var rounds: [Int] = []
        for batch in 0..<4 {
            try link.insert(from: 1 + batch * 100)
            // Past the barrier delay: each batch's range gets its barrier in the next batch and settles in the one
            // after, as it does in a steady stream.
            pauseThread(.milliseconds(100))
            let (taken, written) = try link.batch(source, sink: sink)
            #expect(written == 90)
            rounds.append(taken)
        }
        print("watermark batches of 100 rows (10 rejected, flagged ones notified): \(rounds) round trips")
        #expect(rounds == [5, 5, 5, 5])
        #expect(try link.connection.execute("SELECT last_key FROM vaewatch.watermarks").text(0, 0) == "400")
    }
}
