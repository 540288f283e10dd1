// The PostgreSQL figures: the end-to-end loop (claim, score, write, commit) on a 32-column table, and the time
// from a row's INSERT commit to its verdict's commit at a steady rate with LISTEN wake-up.
import Compute
import Daemon
import Detector
import PostgresStore
import Synchronization
import VAE

#if canImport(Glibc)
    import Glibc
#endif

/// The 32 feature columns of the benchmark tables.
let benchColumns = (0..<32).map { "f\($0)" }

/// A detector of the reference shape (32 → 64 → 32 → 8), trained briefly: speed does not depend on quality.
func benchDetector() throws -> Detector {
    var rng = SeededGenerator(seed: 7)
    let rows = 4096
    let batch = RecordBatch(
        keys: (0..<rows).map(String.init),
        features: Matrix(rows: rows, cols: 32) { _, _ in NormalSampler.next(&rng) })
    var options = DetectorOptions()
    options.training.epochs = 2
    options.training.minimumSteps = 0
    return try Detector.train(
        featureNames: benchColumns, on: batch, options: options, pool: ThreadPool(threadCount: 1), createdAt: 0
    ).detector
}

/// Creates (or recreates) `table` with a bigint key and 32 float8 features, and vaewatch's schema.
func createBenchTable(_ table: String, on connection: Connection, serial: Bool) throws {
    try connection.execute("DROP TABLE IF EXISTS \(identifier: table)")
    let columns = benchColumns.map { "\($0) float8" }.joined(separator: ", ")
    try connection.execute(
        Query(stringLiteral: "CREATE TABLE \(table) (id \(serial ? "bigserial" : "bigint") PRIMARY KEY, \(columns))"))
    _ = try Migrator.apply(on: connection)
    try connection.execute("DELETE FROM vaewatch.scores WHERE source = \(.text("public." + table))")
    try connection.execute("DELETE FROM vaewatch.queue WHERE source = \(.text("public." + table))")
    try connection.execute("DELETE FROM vaewatch.watermarks WHERE source = \(.text("public." + table))")
}

/// `rows` seeded rows with keys `0..<rows`, as text COPY data.
func benchCopyData(rows: Int) -> [UInt8] {
    var rng = SeededGenerator(seed: 11)
    var text: [UInt8] = []
    text.reserveCapacity(rows * 32 * 10)
    for row in 0..<rows {
        text += Array(String(row).utf8)
        for _ in 0..<32 {
            text.append(0x09)
            let value = Int((NormalSampler.next(&rng) * 1000).rounded())
            text += Array(String(Double(value) / 1000).utf8)
        }
        text.append(0x0A)
    }
    return text
}

/// Rows per second of a pipeline group of `workers` scoring `rows` pre-inserted rows in `mode`, median of `runs`.
func postgresLoop(conninfo: String, rows: Int, runs: Int, mode: SourceMode, batchSize: Int, workers: Int) throws
    -> Double
{
    let admin = try Connection(ConnectionSettings(conninfo: conninfo, statementDeadline: .seconds(600)))
    let table = "bench_loop"
    let detector = try benchDetector()
    let data = benchCopyData(rows: rows)
    var rates: [Double] = []
    for _ in 0..<runs {
        try createBenchTable(table, on: admin, serial: false)
        let resolved = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: table), key: "id"), on: admin)
        if mode == .queue { try QueueSource.installTrigger(resolved, on: admin) }
        try admin.copyIn("COPY \(identifier: table) FROM STDIN") { data }
        try admin.execute("VACUUM ANALYZE \(identifier: table)")
        try admin.execute("VACUUM ANALYZE vaewatch.queue")
        var options = PostgresPipelineOptions(
            connection: ConnectionSettings(conninfo: conninfo),
            source: SourceTable(table: QualifiedName(parsing: table), key: "id"))
        options.mode = mode
        options.batchSize = batchSize
        options.workers = workers
        options.instance = benchInstance
        let group = PostgresPipelineGroup(options: options, detector: { detector })
        let stop = StopSignal()
        let scored = Atomic<Int>(0)
        let start = now()
        try group.run(until: stop) { _, event in
            if case .committed(let records, _, _, _, _, _) = event {
                let total = scored.add(records.count, ordering: .relaxed).newValue
                if total >= rows { stop.stop() }
            }
        }
        rates.append(Double(rows) / (now() - start))
        let count = try admin.execute("SELECT count(*) FROM vaewatch.scores WHERE source = 'public.bench_loop'")
        precondition(count.text(0, 0) == String(rows), "postgres loop: \(count.text(0, 0) ?? "?") verdicts for \(rows)")
    }
    try admin.execute("DROP TABLE \(identifier: table)")
    return median(rates)
}

/// Latencies in seconds from each row's INSERT commit to its verdict's commit, for rows inserted one per
/// statement at `rate` rows/s for `seconds`; the first second is warm-up and left out.
func postgresLatency(conninfo: String, rate: Int, seconds: Int) throws -> [Double] {
    let admin = try Connection(ConnectionSettings(conninfo: conninfo))
    let table = "bench_latency"
    try createBenchTable(table, on: admin, serial: true)
    let resolved = try ResolvedSource.resolve(SourceTable(table: QualifiedName(parsing: table), key: "id"), on: admin)
    try QueueSource.installTrigger(resolved, on: admin)
    let detector = try benchDetector()
    let total = rate * seconds

    final class Times: Sendable {
        let committed = Mutex<[String: Double]>([:])
        let scored = Mutex<[String: Double]>([:])
    }
    let times = Times()
    let stop = StopSignal()
    var options = PostgresPipelineOptions(
        connection: ConnectionSettings(conninfo: conninfo),
        source: SourceTable(
            table: QualifiedName(parsing: table), key: "id"))
    options.mode = .queue
    options.instance = benchInstance
    let group = PostgresPipelineGroup(options: options, detector: { detector })
    let consumer = BackgroundThread {
        try? group.run(until: stop) { _, event in
            if case .committed(let records, _, _, _, _, _) = event {
                let at = now()
                times.scored.withLock { for key in records.keys { $0[key] = at } }
            }
        }
    }
    let producer = try Connection(ConnectionSettings(conninfo: conninfo))
    var rng = SeededGenerator(seed: 5)
    let values = (0..<32).map { _ in String(NormalSampler.next(&rng)) }.joined(separator: ", ")
    let insert = Query(
        stringLiteral: "INSERT INTO \(table) (\(benchColumns.joined(separator: ", "))) VALUES (\(values)) RETURNING id")
    usleep(500_000)  // the pipeline connects and starts listening
    let start = now()
    for i in 0..<total {
        let due = start + Double(i) / Double(rate)
        let wait = due - now()
        if wait > 0 { usleep(UInt32(wait * 1e6)) }
        let result = try producer.execute(insert)
        let at = now()
        if let key = result.text(0, 0), at - start >= 1 { times.committed.withLock { $0[key] = at } }
    }
    let deadline = now() + 10
    while now() < deadline {
        let committed = times.committed.withLock { $0 }
        let scored = times.scored.withLock { $0 }
        if committed.keys.allSatisfy({ scored[$0] != nil }) { break }
        usleep(10_000)
    }
    stop.stop()
    consumer.join()
    let committed = times.committed.withLock { $0 }
    let scored = times.scored.withLock { $0 }
    try admin.execute("DROP TABLE \(identifier: table)")
    return committed.map { key, at in (scored[key] ?? .infinity) - at }.sorted()
}

/// Runs the PostgreSQL benchmarks against the database `conninfo` reaches.
func runPostgresBench(conninfo: String, runs: Int) throws {
    let rows = 200_000
    let watermark = try postgresLoop(
        conninfo: conninfo, rows: rows, runs: runs, mode: .watermark, batchSize: 5000, workers: 1)
    report("postgres_loop.rows_per_s.watermark", watermark, "rows/s")
    for workers in [1, 2] {
        let queue = try postgresLoop(
            conninfo: conninfo, rows: rows, runs: runs, mode: .queue, batchSize: 5000, workers: workers)
        report("postgres_loop.rows_per_s.queue.workers_\(workers)", queue, "rows/s")
    }
    let latencies = try postgresLatency(conninfo: conninfo, rate: 1000, seconds: 10)
    let p50 = latencies[latencies.count / 2]
    let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
    print("postgres_latency.p50_ms", String(format3(p50 * 1000)), "ms")
    print("postgres_latency.p99_ms", String(format3(p99 * 1000)), "ms")
    print("postgres_latency.max_ms", String(format3(latencies.last! * 1000)), "ms")
    print("postgres_latency.samples", latencies.count, "rows")
}

/// `value` with one decimal.
func format3(_ value: Double) -> String {
    guard value.isFinite else { return "inf" }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

/// The writer the bench's verdicts name in `vaewatch.scores.scored_by`, as the daemon names itself (`host:pid`), so
/// that the loop writes what the daemon writes.
let benchInstance = "vaewatch-bench:\(getpid())"
