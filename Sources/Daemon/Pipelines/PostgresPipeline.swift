import Compute
import Detector
import PostgresStore

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL loop: claim a batch from the source, score it, write the verdicts and advance the source in one
/// transaction, repeat; wait for a notification (or the poll interval) when the source is empty. A lost
/// connection is reopened with capped, jittered backoff and the batch in hand is redone, so every row gets exactly
/// one verdict whatever fails.
///
/// A thin loop over ``PipelineStateMachine``, which holds its connection, backoff and LISTEN state: it asks the
/// machine what to do, does that, and tells the machine what happened.
///
/// It blocks the calling thread (a thread of its own, never the cooperative pool) until ``StopSignal`` is raised;
/// the batch in hand is committed or rolled back before it returns.
package final class PostgresPipeline {
    /// An open connection readied for work: the source checked and prepared on it, and the sink.
    private struct Link {
        let connection: Connection
        let source: any PostgresSource
        let sink: VerdictSink
    }

    /// What a transaction did.
    private enum Outcome {
        /// The source had nothing to claim.
        case caughtUp
        /// A batch was scored and its verdicts written.
        case batch(SourceBatch, Verdicts, VerdictSink.Report)
    }

    private let options: PostgresPipelineOptions
    private let detector: @Sendable () -> Detector
    private let pool: ThreadPool
    /// This pipeline's number in its group.
    private let worker: Int
    /// Shared by a group's workers so that one probes a database that is down; nil for a lone pipeline.
    private let gate: ConnectionGate?
    /// This worker's proof of progress for the watchdog.
    private let heartbeat: Heartbeat?
    /// What to do next: connected or not, the backoffs, the wait for rows, the LISTEN connection's state.
    private var machine: PipelineStateMachine
    /// The connection with the source and sink readied on it; nil before the first connect and after a lost one.
    private var link: Link?
    /// The LISTEN connection (queue mode); nil until it opens and after it breaks.
    private var listener: Connection?
    /// When worker 0 last counted the rows waiting.
    private var backlogCountedAt: ContinuousClock.Instant?

    /// A pipeline scoring with whatever model `detector` returns at each batch (so a retrain can swap it), on
    /// `pool`.
    package convenience init(
        options: PostgresPipelineOptions, detector: @escaping @Sendable () -> Detector, pool: ThreadPool
    ) {
        self.init(options: options, detector: detector, pool: pool, worker: 0, gate: nil)
    }

    /// Worker `worker` of a group whose connection attempts go through `gate`.
    init(
        options: PostgresPipelineOptions, detector: @escaping @Sendable () -> Detector, pool: ThreadPool, worker: Int,
        gate: ConnectionGate?
    ) {
        self.worker = worker
        self.gate = gate
        heartbeat = options.heartbeats?.register("ingest-\(worker)")
        self.options = options
        self.detector = detector
        self.pool = pool
        machine = PipelineStateMachine(options: options)
    }

    /// Runs until `stop` is raised. Throws only for what retrying cannot fix: a source table, key or column that
    /// does not exist or does not match the model (checked at the first successful connect).
    package func run(until stop: StopSignal, events: (PipelineEvent) -> Void) throws(PostgresError) {
        defer {
            link?.connection.close()
            listener?.close()
            if let heartbeat { options.heartbeats?.remove(heartbeat) }
        }
        while !stop.isStopped {
            heartbeat?.beat()
            options.fault?.ingestIteration()
            let attempt = machine.nextAttempt(connectionOpen: link?.connection.isOpen ?? false) {
                gate?.mayAttempt(worker) ?? true
            }
            do throws(PostgresError) {
                switch attempt {
                case .waitForGate(let pause):
                    sleep(pause, until: stop)
                    continue
                case .connect:
                    try connect(events)
                case .runBatch:
                    break
                }
                try runBatch(until: stop, events: events)
            } catch {
                try recover(machine.failed(error), until: stop, events: events)
            }
        }
    }

    /// Opens a connection and readies it for work (source checked, locks taken, staging table made).
    private func connect(_ events: (PipelineEvent) -> Void) throws(PostgresError) {
        link?.connection.close()
        link = nil
        let fresh = try Connection(options.connection)
        var table = options.source
        let model = detector()
        if table.columns.isEmpty { table.columns = model.featureNames }
        let resolved = try ResolvedSource.resolve(table, on: fresh)
        do {
            try model.checkFeatures(resolved.columns)
            try model.checkTimeColumn(resolved.timeColumn)
        } catch {
            throw PostgresError(.configuration, message: "\(error)")
        }
        let source: any PostgresSource =
            switch options.mode {
            case .queue: QueueSource(table: resolved)
            case .watermark: WatermarkSource(table: resolved)
            }
        try source.prepare(fresh)
        let sink = VerdictSink(
            source: resolved.name, scoredBy: options.instance, storesLatentMean: options.storesLatentMean,
            notifiesAnomalies: options.notifiesAnomalies)
        try sink.prepare(fresh)
        link = Link(connection: fresh, source: source, sink: sink)
        let reconnected = machine.connected()
        gate?.succeeded(worker)
        events(.connected(target: fresh.target, source: resolved, reconnected: reconnected))
    }

    /// One transaction: claims a batch, scores it, writes the verdicts and advances the source; or, when the
    /// source is empty, reports that and waits for rows.
    private func runBatch(until stop: StopSignal, events: (PipelineEvent) -> Void) throws(PostgresError) {
        guard let link else { preconditionFailure("PostgresPipeline: a transaction without a connection") }
        let began = ContinuousClock.now
        let outcome = try link.connection.transaction { (connection) throws(PostgresError) -> Outcome in
            let batch = try link.source.claim(connection, limit: options.batchSize)
            if batch.isEmpty { return .caughtUp }
            let model = detector()
            var scored: Verdicts?
            // Scored while the COPY's statement travels to the server.
            let report = try link.sink.write(connection, keys: batch.records.keys, rejected: batch.rejected) {
                let verdicts = model.score(batch.records, pool: pool, latentMean: options.storesLatentMean)
                scored = verdicts
                return verdicts
            }
            link.source.advance(connection, past: batch)
            guard let scored else { preconditionFailure("PostgresPipeline: the sink did not score the batch") }
            return .batch(batch, scored, report)
        }
        switch outcome {
        case .caughtUp:
            machine.caughtUp(at: .now)
            events(.caughtUp)
            waitForRows(until: stop, events: events)
        case .batch(let batch, let verdicts, let report):
            let took = ContinuousClock.now - began
            link.source.committed(batch)
            let next = machine.committed()
            events(
                .committed(
                    records: batch.records, verdicts: verdicts, report: report, claimed: batch.claimed, took: took,
                    queued: batch.queuedSeconds))
            if next == .drainListener { drainListener() }
            if batch.claimed >= options.batchSize { countBacklog(on: link, events: events) }
        }
    }

    /// Does what the machine says about a failure (the transaction was rolled back already).
    private func recover(
        _ recovery: PipelineStateMachine.Recovery, until stop: StopSignal, events: (PipelineEvent) -> Void
    ) throws(PostgresError) {
        switch recovery {
        case .stop(let error):
            throw error
        case .reconnect(let delay, let event):
            link?.connection.close()
            link = nil
            gate?.failed(worker)
            events(event)
            sleep(delay, until: stop)
        case .standBy(let pause, let event):
            // A standby, not a failure: it asks for the lock every poll interval, so that it takes over soon after
            // the holder stops.
            link?.connection.close()
            link = nil
            events(event)
            sleep(pause, until: stop)
        case .retry(let delay, let event):
            events(event)
            sleep(delay, until: stop)
        }
    }

    /// Worker 0 counts the rows waiting, at most every ``PostgresPipelineOptions/backlogEvery``, and reports them.
    /// A failure is not reported: the next transaction meets the same problem and reports it.
    private func countBacklog(on link: Link, events: (PipelineEvent) -> Void) {
        guard worker == 0, let every = options.backlogEvery else { return }
        let now = ContinuousClock.now
        if let last = backlogCountedAt, now - last < every { return }
        backlogCountedAt = now
        if let rows = try? link.source.backlog(link.connection) { events(.backlog(rows)) }
    }

    // MARK: - Waiting

    /// Waits for a notification about this source, the poll interval, or stop, whichever comes first. A broken
    /// listener counts as a wake-up: notifications sent while it was away are gone, so the caller polls.
    private func waitForRows(until stop: StopSignal, events: (PipelineEvent) -> Void) {
        while !stop.isStopped {
            heartbeat?.beat()
            switch machine.nextWait(at: .now, listenerOpen: listener?.isOpen ?? false) {
            case .done:
                return
            case .sleep(let duration):
                sleep(duration, until: stop)
            case .openListener:
                openListener(until: stop, events: events)
            case .listen(let timeout):
                listen(upTo: timeout)
            }
        }
    }

    /// Opens the listening connection and LISTENs; a failure is reported, and the next attempt waits for the
    /// listener's backoff.
    private func openListener(until stop: StopSignal, events: (PipelineEvent) -> Void) {
        listener = nil
        var settings = options.connection
        settings.applicationName += "-listen"
        do throws(PostgresError) {
            let fresh = try Connection(settings)
            try fresh.execute("LISTEN vaewatch")
            listener = fresh
            machine.listenerOpened()
        } catch {
            let (event, pause) = machine.listenerFailed(error, at: .now)
            events(event)
            sleep(pause, until: stop)
        }
    }

    /// Waits up to `timeout` on the listening connection for a notification about this source.
    private func listen(upTo timeout: Duration) {
        guard let listener, let name = link?.source.table.name else {
            preconditionFailure("PostgresPipeline: listening without a listener or a source")
        }
        do {
            let received = try listener.notifications(waitingUpTo: timeout)
            machine.notified(aboutSource: received.contains(where: { $0.payload == name }))
        } catch {
            listener.close()
            self.listener = nil
            machine.listenerBroke(at: .now)
        }
    }

    /// Reads and drops the notifications that arrived while the pipeline was busy (the batches claimed their rows
    /// anyway), so they do not pile up in the server's notification queue.
    private func drainListener() {
        guard let listener, listener.isOpen else { return }
        do {
            _ = try listener.notifications(waitingUpTo: .zero)
        } catch {
            listener.close()
            self.listener = nil
            machine.drainFailed()
        }
    }

    /// Sleeps `duration` in 50 ms slices, beating this worker's heartbeat, returning early when stop is raised.
    private func sleep(_ duration: Duration, until stop: StopSignal) {
        pause(duration, beating: heartbeat, until: stop, slice: .milliseconds(50))
    }
}
