import Compute
import Daemon
import Detector
import PostgresStore
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The parent of the fault-injection suites (one nested suite per row of the RELIABILITY.md test matrix). It is
/// serialized: the suites measure recovery times against the matrix's bounds, and on a 2-core machine they would
/// otherwise slow each other down (and stop and start servers while a neighbour measures).
@Suite("PostgreSQL pipeline faults", .serialized)
struct PipelineFaultTests {}

// MARK: - Recording pipeline

/// One pipeline event, with the monotonic time at which a worker reported it.
struct TimedEvent: Sendable {
    /// What happened (the parts of ``PipelineEvent`` the fault tests look at).
    enum Kind: Sendable {
        /// Connected (or reconnected) and ready.
        case connected
        /// The connection could not be opened or broke; the worker waits `retryIn`.
        case waiting(attempt: Int, error: PostgresError, retryIn: Duration)
        /// A statement error; the transaction is retried.
        case retrying(attempt: Int, error: PostgresError)
        /// Another session holds the watermark's advisory lock.
        case sourceBusy(PostgresError)
        /// A batch committed: the keys it scored and what the sink did.
        case committed(keys: [String], report: VerdictSink.Report)
    }

    /// When the worker reported it.
    let at: ContinuousClock.Instant
    /// Which worker of the group reported it.
    let worker: Int
    /// What it reported.
    let kind: Kind
}

/// A ``PostgresPipelineGroup`` (what the daemon runs: ``PostgresPipelineOptions/workers`` pipelines in queue
/// mode, one in watermark mode) on a thread of its own, recording every event with its worker and its
/// `ContinuousClock` time, so that the fault tests can measure how long recovery took (``RunningPipeline`` only
/// counts, and runs a single pipeline).
final class RecordingPipeline: Sendable {
    /// When the group was started.
    let startedAt: ContinuousClock.Instant
    /// The number of pipelines (each with its own connection and, in queue mode, its own listener).
    let workerCount: Int
    private let stopSignal = StopSignal()
    private let thread: BackgroundThread
    private let log: EventLog

    /// The events and the error `run` threw, shared with the workers' threads.
    private final class EventLog: Sendable {
        let events = Mutex<[TimedEvent]>([])
        let failure = Mutex<String?>(nil)

        func append(_ worker: Int, _ kind: TimedEvent.Kind) {
            let event = TimedEvent(at: .now, worker: worker, kind: kind)
            events.withLock { $0.append(event) }
        }
    }

    /// Starts `options`' pipelines now, scoring with `detector`.
    init(options: PostgresPipelineOptions, detector: Detector = PipelineModel.detector) {
        let log = EventLog()
        let stop = stopSignal
        let group = PostgresPipelineGroup(options: options, detector: { detector })
        self.log = log
        workerCount = group.workerCount
        startedAt = .now
        thread = BackgroundThread {
            do {
                try group.run(until: stop) { worker, event in
                    switch event {
                    case .connected: log.append(worker, .connected)
                    case .waitingForDatabase(let attempt, let error, let retryIn):
                        log.append(worker, .waiting(attempt: attempt, error: error, retryIn: retryIn))
                    case .retrying(let attempt, let error, _):
                        log.append(worker, .retrying(attempt: attempt, error: error))
                    case .sourceBusy(let error): log.append(worker, .sourceBusy(error))
                    case .committed(let records, _, let report, _, _, _):
                        log.append(worker, .committed(keys: records.keys, report: report))
                    case .caughtUp, .listenerFailed, .backlog: break
                    }
                }
            } catch {
                log.failure.withLock { $0 = "\(error)" }
            }
        }
    }

    /// Raises the stop signal and waits for every worker to return (the batches in hand are finished).
    func stop() {
        stopSignal.stop()
        thread.join()
    }

    /// Every event so far, oldest first.
    var events: [TimedEvent] { log.events.withLock { $0 } }
    /// Why `run` threw, if it did.
    var failure: String? { log.failure.withLock { $0 } }

    /// The keys of every committed batch, in commit order (a key appears twice only if it was scored twice).
    var committedKeys: [String] {
        events.flatMap { event -> [String] in
            if case .committed(let keys, _) = event.kind { return keys }
            return []
        }
    }

    /// Verdicts committed so far.
    var verdicts: Int {
        log.events.withLock { events in
            events.reduce(0) { total, event in
                if case .committed(let keys, _) = event.kind { return total + keys.count }
                return total
            }
        }
    }

    /// Verdicts committed strictly between `start` and `end`.
    func verdicts(between start: ContinuousClock.Instant, and end: ContinuousClock.Instant) -> Int {
        events.reduce(0) { total, event in
            guard event.at > start, event.at < end, case .committed(let keys, _) = event.kind else { return total }
            return total + keys.count
        }
    }

    /// The time of the first committed batch after `instant`, if there is one yet.
    func firstCommit(after instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        events.first { event in
            guard event.at > instant, case .committed(let keys, _) = event.kind else { return false }
            return !keys.isEmpty
        }?.at
    }

    /// The `connected` events after `instant`.
    func connects(after instant: ContinuousClock.Instant) -> Int {
        events.reduce(0) { count, event in
            guard event.at > instant, case .connected = event.kind else { return count }
            return count + 1
        }
    }

    /// The `waitingForDatabase` events (time, worker, attempt number, error, announced wait), oldest first.
    var waits: [(at: ContinuousClock.Instant, worker: Int, attempt: Int, error: PostgresError, retryIn: Duration)] {
        events.compactMap { event in
            guard case .waiting(let attempt, let error, let retryIn) = event.kind else { return nil }
            return (event.at, event.worker, attempt, error, retryIn)
        }
    }

    /// The errors of `retrying` events: statement errors, the transaction retried.
    var retries: [PostgresError] {
        events.compactMap { event in
            guard case .retrying(_, let error) = event.kind else { return nil }
            return error
        }
    }

    /// How many times a worker found the watermark's advisory lock held by another session.
    var busyCount: Int {
        events.reduce(0) { count, event in
            if case .sourceBusy = event.kind { return count + 1 }
            return count
        }
    }

    /// Connections lost while in use (connection lost or deadline exceeded): each can leave at most one batch
    /// whose COMMIT reached the server but whose answer never came back.
    var lostConnections: Int {
        waits.filter { $0.error.kind == .connectionLost || $0.error.kind == .deadlineExceeded }.count
    }

    /// A one-line summary of the errors seen, for failure messages.
    var errorSummary: String {
        let texts = events.compactMap { event -> String? in
            switch event.kind {
            case .waiting(_, let error, _), .retrying(_, let error), .sourceBusy(let error):
                return "worker \(event.worker): \(error)"
            case .connected, .committed: return nil
            }
        }
        return "\(texts.count) errors; last: " + texts.suffix(3).joined(separator: " | ")
    }
}

// MARK: - Producers

/// Inserts rows with keys 0, 1, 2, … (features from ``PipelineModel/row(_:anomaly:)``), `rowsPerStatement` per
/// statement (each its own transaction), on a thread and connection of its own, until stopped. It survives the
/// faults the tests inject: on any error it drops the connection, reconnects and retries the same keys with
/// `ON CONFLICT DO NOTHING`, so an insert whose COMMIT outcome was unknown is neither lost nor doubled (the
/// statement-level trigger enqueues only rows actually inserted).
final class SteadyProducer: Sendable {
    private let stopSignal = StopSignal()
    private let thread: BackgroundThread
    private let sharedState: SharedState

    /// Starts inserting now into `public.metrics` of the database `settings` reach.
    init(settings: ConnectionSettings, rowsPerStatement: Int = 10, pause: Duration = .milliseconds(10)) {
        var producerSettings = settings
        producerSettings.applicationName = "vaewatch-test-producer"
        producerSettings.statementDeadline = .seconds(5)
        let settings = producerSettings
        let stop = stopSignal
        let shared = SharedState((0, 0, nil))
        sharedState = shared
        thread = BackgroundThread {
            var connection: Connection?
            var next = 0
            while !stop.isStopped {
                do {
                    if connection?.isOpen != true { connection = try Connection(settings) }
                    try connection!.execute(FaultRows.insert(next..<next + rowsPerStatement, onConflictDoNothing: true))
                    next += rowsPerStatement
                    shared.value.withLock { $0.next = next }
                    pauseThread(pause)
                } catch {
                    connection?.close()
                    connection = nil
                    shared.value.withLock {
                        $0.failures += 1
                        $0.lastError = "\(error)"
                    }
                    pauseThread(.milliseconds(50))
                }
            }
            connection?.close()
        }
    }

    /// State shared with the producer thread.
    private final class SharedState: Sendable {
        let value: Mutex<(next: Int, failures: Int, lastError: String?)>
        init(_ initial: (next: Int, failures: Int, lastError: String?)) { value = Mutex(initial) }
    }

    /// Rows whose insert was acknowledged (keys below this number).
    var inserted: Int { sharedState.value.withLock { $0.next } }
    /// Failed statements or connection attempts, each retried.
    var failures: Int { sharedState.value.withLock { $0.failures } }
    /// The last error met, if any.
    var lastError: String? { sharedState.value.withLock { $0.lastError } }

    /// Stops after the statement in hand and waits for the thread.
    func stop() {
        stopSignal.stop()
        thread.join()
    }
}

/// Producers that take their keys from the sequence `public.metrics_key` inside transactions held open for a
/// while, so that transactions commit out of key order (RELIABILITY.md P9 and the load criterion).
enum SequenceProducers {
    /// One transaction of a producer: how many rows it inserts and how long it then stays open before COMMIT.
    struct Transaction: Sendable {
        /// Rows inserted (in one statement).
        var rows: Int
        /// Time the transaction stays open after the insert.
        var hold: Duration
    }

    /// Creates the key sequence in `table`'s database.
    static func createSequence(in table: MetricsTable) throws {
        try table.cluster.psql("CREATE SEQUENCE public.metrics_key", database: table.database)
    }

    /// Runs one thread per plan, each with its own connection, executing its transactions in order; returns when
    /// all are done, with the errors they met (none is retried: these runs inject no faults).
    static func run(settings: ConnectionSettings, plans: [[Transaction]]) -> [String] {
        let errors = Mutex<[String]>([])
        var settings = settings
        settings.applicationName = "vaewatch-test-producer"
        let threads = plans.enumerated().map { index, plan in
            BackgroundThread { [settings] in
                do {
                    let connection = try Connection(settings)
                    for transaction in plan {
                        try connection.execute("BEGIN")
                        try connection.execute(FaultRows.insertFromSequence(rows: transaction.rows))
                        if transaction.hold > .zero { pauseThread(transaction.hold) }
                        try connection.execute("COMMIT")
                    }
                    connection.close()
                } catch {
                    errors.withLock { $0.append("producer \(index): \(error)") }
                }
            }
        }
        for thread in threads { thread.join() }
        return errors.withLock { $0 }
    }
}

/// The SQL that inserts test rows.
enum FaultRows {
    /// Inserts rows `range` (key = row number, features from ``PipelineModel/row(_:anomaly:)``), optionally
    /// ignoring keys already present.
    static func insert(_ range: Range<Int>, onConflictDoNothing: Bool) -> Query {
        var values: [String] = []
        values.reserveCapacity(range.count)
        for i in range {
            let row = PipelineModel.row(i)
            values.append("(\(i), \(row[0]), \(row[1]), \(row[2]), \(row[3]))")
        }
        let conflict = onConflictDoNothing ? " ON CONFLICT (id) DO NOTHING" : ""
        return Query(stringLiteral: "INSERT INTO public.metrics VALUES " + values.joined(separator: ",") + conflict)
    }

    /// Inserts `rows` rows whose keys come from `nextval('public.metrics_key')` and whose features follow
    /// ``PipelineModel/row(_:anomaly:)`` of the key, computed by the server.
    static func insertFromSequence(rows: Int) -> Query {
        Query(
            stringLiteral: """
                INSERT INTO public.metrics (id, a, b, c, d)
                SELECT k, a, b, 1 - a, b - (1 - a) FROM (
                    SELECT k, a, a * 0.5 + 0.2 * cos(3 * t) AS b FROM (
                        SELECT k, t, 3 * sin(t) AS a FROM (
                            SELECT k, (k % 1000)::float8 / 1000 * 2 * pi() AS t
                            FROM (SELECT nextval('public.metrics_key') AS k FROM generate_series(1, \(rows))) q0
                        ) q1
                    ) q2
                ) q3
                """)
    }
}

// MARK: - Clusters, waiting and timing

/// Helpers for private clusters that are stopped, crashed or frozen.
enum FaultCluster {
    /// A private cluster with `synchronous_commit = on`, so that a commit acknowledged before an immediate stop
    /// survives it (the test clusters run with it off; `fsync = off` does not matter, as a crashed server's
    /// writes stay in the OS page cache). With `tcp`, it also listens on TCP (see ``TCPListening``).
    static func start(purpose: String, tcp: TCPListening? = nil) throws -> PostgresCluster {
        let cluster = try PostgresCluster.start(purpose: purpose, tcp: tcp)
        do {
            try cluster.psql("ALTER SYSTEM SET synchronous_commit = on")
            try cluster.psql("SELECT pg_reload_conf()")
            let setting = try cluster.psql("SHOW synchronous_commit")
            guard setting == "on" else {
                throw PostgresClusterError.queryFailed(
                    sql: "SHOW synchronous_commit", database: "postgres", stderr: "still \(setting)")
            }
        } catch {
            cluster.destroy()
            throw error
        }
        return cluster
    }

    /// A unique `application_name`, so that signals and `pg_terminate_backend` reach only this test's pipeline.
    static func uniqueApplicationName(_ prefix: String) -> String {
        prefix + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// The server process IDs of the sessions named `applicationName`.
    static func backends(_ cluster: PostgresCluster, applicationName: String) throws -> [Int32] {
        try cluster.psql("SELECT pid FROM pg_stat_activity WHERE application_name = '\(applicationName)'")
            .split(separator: "\n").compactMap { Int32($0) }
    }
}

/// A uniformly random duration in `range` milliseconds.
func randomMilliseconds(_ range: ClosedRange<Int>, using generator: inout SplitMix64) -> Duration {
    .milliseconds(Int.random(in: range, using: &generator))
}

extension Duration {
    /// The duration in seconds, for printing and comparing.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    /// The duration in seconds, rounded to milliseconds, for printing.
    var rounded: Double { (seconds * 1000).rounded() / 1000 }
}

// MARK: - The end-state check

/// The "0 lost / 0 dup" check of RELIABILITY.md over the whole input, after the pipeline stopped.
enum ExactlyOnce {
    /// What the check found, for printing.
    struct Summary: CustomStringConvertible {
        /// Rows in the source table.
        var rows = 0
        /// Verdicts the pipeline reported committed.
        var reported = 0
        /// Rows with a verdict in the table but in no committed batch the pipeline saw acknowledged.
        var unacknowledged = 0

        /// One line.
        var description: String {
            "\(rows) rows, \(reported) verdicts reported committed, \(unacknowledged) committed unacknowledged"
        }
    }

    /// Checks, for `table` scored by `pipeline` (stopped):
    /// - SQL over the whole input: no source row without a verdict, no verdict without a source row (the primary
    ///   key of `vaewatch.scores` forbids a second verdict for a row, so this is "0 lost / 0 dup" in the table);
    /// - the queue is empty (queue mode) and nothing was dead-lettered;
    /// - every stored verdict equals a re-score of its row with the same model;
    /// - the pipeline never reported a key committed twice.
    ///
    /// And the count of reported verdicts. The claim (queue rows deleted, or the watermark advanced) commits in
    /// the transaction that writes the verdicts, so a batch is redone only when its transaction did not commit:
    /// a replay never re-writes a committed verdict, and the pipeline reports each row at most once. The one
    /// legitimate gap is a COMMIT whose outcome was unknown (the server committed, the connection broke before
    /// the answer arrived): that batch is in the table but was never reported, and it is not redone because its
    /// claim committed with it. So: `reported + unacknowledged == rows`, and `unacknowledged` is 0 when
    /// `unknownCommitsPossible` is 0, else at most one batch (`batchSize` rows) per connection lost in use.
    @discardableResult
    static func check(
        _ table: MetricsTable, mode: SourceMode, pipeline: RecordingPipeline, batchSize: Int,
        unknownCommitsPossible: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Summary {
        let database = table.database
        let cluster = table.cluster
        var summary = Summary()
        summary.rows = Int(try cluster.psql("SELECT count(*) FROM public.metrics", database: database)) ?? -1
        let (lost, stray) = try table.lostAndStray()
        var skipped = ""
        if mode == .watermark && lost > 0 {
            // The signature of a row the watermark passed over: it lies below the stored watermark.
            let below = try cluster.psql(
                """
                SELECT count(*) FROM public.metrics m
                WHERE m.id < (SELECT last_key::bigint FROM vaewatch.watermarks WHERE source = 'public.metrics')
                AND NOT EXISTS (SELECT FROM vaewatch.scores s WHERE s.source = 'public.metrics'
                                AND s.source_id = m.id::text)
                """, database: database)
            skipped = "; \(below) of them below the stored watermark (passed over, never to be read)"
        }
        #expect(lost == 0, "source rows without a verdict\(skipped)", sourceLocation: sourceLocation)
        #expect(stray == 0, "verdicts without a source row", sourceLocation: sourceLocation)
        let scores = Int(try cluster.psql("SELECT count(*) FROM vaewatch.scores", database: database)) ?? -1
        #expect(scores == summary.rows, "one verdict per source row", sourceLocation: sourceLocation)
        if mode == .queue {
            let queued = try cluster.psql("SELECT count(*) FROM vaewatch.queue", database: database)
            #expect(queued == "0", "the queue is empty at the end", sourceLocation: sourceLocation)
        }
        let deadLetters = try cluster.psql("SELECT count(*) FROM vaewatch.dead_letters", database: database)
        #expect(deadLetters == "0", "0 rows dead-lettered", sourceLocation: sourceLocation)

        let keys = pipeline.committedKeys
        let distinct = Set(keys)
        summary.reported = keys.count
        #expect(distinct.count == keys.count, "no key reported committed twice", sourceLocation: sourceLocation)
        summary.unacknowledged = summary.rows - lost - distinct.count
        #expect(summary.unacknowledged >= 0, "no reported key outside the table", sourceLocation: sourceLocation)
        #expect(
            summary.unacknowledged <= batchSize * unknownCommitsPossible,
            "rows in the table but never reported committed: only a COMMIT whose answer was lost explains them",
            sourceLocation: sourceLocation)

        let mismatches = try rescoreMismatches(table)
        #expect(mismatches == 0, "every stored verdict equals a re-score", sourceLocation: sourceLocation)
        return summary
    }

    /// Verdicts in `table`'s database that differ from a re-score of their row by ``PipelineModel/detector``
    /// (score beyond a relative 1e-3, or a different flag away from the threshold).
    static func rescoreMismatches(_ table: MetricsTable) throws -> Int {
        let lines = try table.cluster.psql(
            """
            SELECT m.id, m.a, m.b, m.c, m.d, s.score, s.is_anomaly, s.model_version
            FROM public.metrics m JOIN vaewatch.scores s ON s.source = 'public.metrics' AND s.source_id = m.id::text
            """, database: table.database
        ).split(separator: "\n")
        guard !lines.isEmpty else { return 0 }
        var keys: [String] = []
        var features: [Float] = []
        var stored: [(score: Double, flag: Bool, version: Int)] = []
        keys.reserveCapacity(lines.count)
        for line in lines {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count == 8 else { return lines.count }
            keys.append(String(fields[0]))
            for column in 1...4 { features.append(Float(Double(fields[column]) ?? .nan)) }
            stored.append((Double(fields[5]) ?? .nan, fields[6] == "t", Int(fields[7]) ?? -1))
        }
        let detector = PipelineModel.detector
        let verdicts = detector.score(
            RecordBatch(keys: keys, features: Matrix(rows: keys.count, cols: 4, storage: features)),
            pool: ThreadPool(threadCount: 1))
        var mismatches = 0
        for i in 0..<keys.count {
            let fresh = Double(verdicts.score[i])
            let close = abs(fresh - stored[i].score) <= 1e-3 * max(1, abs(fresh))
            let nearThreshold = abs(fresh - Double(verdicts.threshold)) <= 1e-3 * max(1, abs(fresh))
            let sameFlag = stored[i].flag == verdicts.isAnomaly[i] || nearThreshold
            if !close || !sameFlag || stored[i].version != verdicts.modelVersion { mismatches += 1 }
        }
        return mismatches
    }
}
