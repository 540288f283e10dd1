import Compute
import Daemon
import Detector
import PostgresStore
import Synchronization
import TestSupport
import Testing
import VAE

#if canImport(Glibc)
    import Glibc
#endif

/// A small detector over four correlated features `a, b, c, d`, trained once per test run.
enum PipelineModel {
    static let featureNames = ["a", "b", "c", "d"]

    /// Row `i` of the normal pattern: b and c follow a, d follows their difference.
    static func row(_ i: Int, anomaly: Bool = false) -> [Double] {
        let t = Double(i % 1000) / 1000 * 2 * Double.pi
        let a = sin(t) * 3
        let b = a * 0.5 + cos(t * 3) * 0.2
        let c = -a + 1
        let d = b - c
        return anomaly ? [a, -b * 4, c + 5, d * -3] : [a, b, c, d]
    }

    static let detector: Detector = {
        let rows = 3000
        let values = (0..<rows).flatMap { row($0 * 7).map { Float($0) } }
        let batch = RecordBatch(
            keys: (0..<rows).map(String.init), features: Matrix(rows: rows, cols: 4, storage: values))
        var options = DetectorOptions()
        options.hiddenWidths = [16, 8]
        options.latentWidth = 2
        options.training.epochs = 20
        options.training.minimumSteps = 0
        options.training.seed = 3
        do {
            return try Detector.train(
                featureNames: featureNames, on: batch, options: options, pool: ThreadPool(threadCount: 1),
                createdAt: 1_700_000_000
            ).detector
        } catch {
            fatalError("PipelineModel: training failed: \(error)")
        }
    }()
}

/// A pipeline running on a thread of its own against a test database, with its events collected.
final class RunningPipeline: Sendable {
    let stopSignal = StopSignal()
    private let thread: BackgroundThread
    private final class State: Sendable {
        let value = Mutex<(committed: Int, verdicts: Int, reconnects: Int, errors: [String], failure: String?)>(
            (0, 0, 0, [], nil))
    }
    private let box = State()

    init(options: PostgresPipelineOptions, detector: Detector = PipelineModel.detector) {
        let state = box
        let stop = stopSignal
        thread = BackgroundThread {
            let pipeline = PostgresPipeline(options: options, detector: { detector }, pool: ThreadPool(threadCount: 1))
            do {
                try pipeline.run(until: stop) { event in
                    state.value.withLock { state in
                        switch event {
                        case .committed(let records, _, _, _, _, _):
                            state.committed += 1
                            state.verdicts += records.count
                        case .waitingForDatabase(_, let error, _):
                            state.reconnects += 1
                            state.errors.append("\(error)")
                        case .retrying(_, let error, _): state.errors.append("\(error)")
                        case .sourceBusy(let error): state.errors.append("\(error)")
                        case .connected, .caughtUp, .listenerFailed, .backlog: break
                        }
                    }
                }
            } catch {
                state.value.withLock { $0.failure = "\(error)" }
            }
        }
    }

    /// Verdicts written so far (including re-written ones).
    var verdicts: Int { box.value.withLock { $0.verdicts } }
    /// Times the pipeline reported waiting for the database.
    var reconnects: Int { box.value.withLock { $0.reconnects } }
    /// Errors the pipeline reported.
    var errors: [String] { box.value.withLock { $0.errors } }
    /// Why run threw, if it did.
    var failure: String? { box.value.withLock { $0.failure } }

    func stop() {
        stopSignal.stop()
        thread.join()
    }
}

/// A test database with a `metrics` table of four float features, vaewatch's schema and (in queue mode) the
/// trigger.
struct MetricsTable {
    let cluster: PostgresCluster
    let database: String

    init(cluster: PostgresCluster, mode: SourceMode, keyType: String = "bigint") throws {
        self.cluster = cluster
        database = try cluster.createDatabase()
        _ = try cluster.psql(
            "CREATE TABLE public.metrics (id \(keyType) PRIMARY KEY, a float8, b float8, c float8, d float8)",
            database: database)
        let connection = try Connection(settings())
        _ = try Migrator.apply(on: connection)
        if mode == .queue {
            let table = try ResolvedSource.resolve(
                SourceTable(table: QualifiedName(parsing: "metrics"), key: "id"), on: connection)
            try QueueSource.installTrigger(table, on: connection)
        }
    }

    func settings(deadline: Duration = .seconds(10)) -> ConnectionSettings {
        ConnectionSettings(conninfo: cluster.conninfo(database: database), statementDeadline: deadline)
    }

    func options(mode: SourceMode, batchSize: Int = 500) -> PostgresPipelineOptions {
        var options = PostgresPipelineOptions(
            connection: settings(), source: SourceTable(table: QualifiedName(parsing: "public.metrics"), key: "id"))
        options.mode = mode
        options.batchSize = batchSize
        options.backoffCap = .seconds(1)
        return options
    }

    /// Inserts rows `range` (key = row number) in one statement.
    func insert(_ range: Range<Int>, on connection: Connection) throws {
        var values: [String] = []
        for i in range {
            let row = PipelineModel.row(i)
            values.append("(\(i), \(row[0]), \(row[1]), \(row[2]), \(row[3]))")
        }
        try connection.execute(
            Query(stringLiteral: "INSERT INTO public.metrics VALUES " + values.joined(separator: ",")))
    }

    /// Source rows without a verdict, and verdicts without a source row (both must be 0 once caught up).
    func lostAndStray() throws -> (lost: Int, stray: Int) {
        let lost = try cluster.psql(
            """
            SELECT count(*) FROM public.metrics m LEFT JOIN vaewatch.scores s
            ON s.source = 'public.metrics' AND s.source_id = m.id::text WHERE s.source_id IS NULL
            """, database: database)
        let stray = try cluster.psql(
            """
            SELECT count(*) FROM vaewatch.scores s LEFT JOIN public.metrics m ON s.source_id = m.id::text
            WHERE m.id IS NULL
            """, database: database)
        return (Int(lost) ?? -1, Int(stray) ?? -1)
    }

    /// Waits up to `timeout` until every source row has a verdict; returns whether it happened.
    func waitUntilScored(timeout: Duration) throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if try lostAndStray().lost == 0 { return true }
            usleep(50_000)
        }
        return try lostAndStray().lost == 0
    }
}
