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
/// It blocks the calling thread (a thread of its own, never the cooperative pool) until ``StopSignal`` is raised;
/// the batch in hand is committed or rolled back before it returns.
public final class PostgresPipeline {
    private let options: PostgresPipelineOptions
    private let detector: @Sendable () -> Detector
    private let pool: ThreadPool
    /// This pipeline's number in its group.
    private let worker: Int
    /// Shared by a group's workers so that one probes a database that is down; nil for a lone pipeline.
    private let gate: ConnectionGate?
    private var connection: Connection?
    private var listener: Connection?
    private var source: (any PostgresSource)?
    private var sink: VerdictSink?
    /// Between connection attempts. Reset by a transaction that commits, not by a connection that opens: a server
    /// that accepts connections and then drops them at once is backed off from like one that refuses them.
    private var backoff: Backoff
    /// Between retries of a transaction that failed on a transient conflict.
    private var retryBackoff: Backoff
    /// Between attempts to reopen the LISTEN connection.
    private var listenerBackoff: Backoff
    private var listenerRetryAt = ContinuousClock.now
    /// This worker's proof of progress for the watchdog.
    private let heartbeat: Heartbeat?

    /// A pipeline scoring with whatever model `detector` returns at each batch (so a retrain can swap it), on
    /// `pool`.
    public convenience init(
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
        backoff = Backoff(base: options.backoffBase, cap: options.backoffCap)
        retryBackoff = Backoff(base: options.backoffBase, cap: options.backoffCap)
        listenerBackoff = Backoff(base: options.backoffBase, cap: options.backoffCap)
    }

    /// Runs until `stop` is raised. Throws only for what retrying cannot fix: a source table, key or column that
    /// does not exist or does not match the model (checked at the first successful connect).
    public func run(until stop: StopSignal, events: (PipelineEvent) -> Void) throws(PostgresError) {
        defer {
            connection?.close()
            listener?.close()
            if let heartbeat { options.heartbeats?.remove(heartbeat) }
        }
        while !stop.isStopped {
            heartbeat?.beat()
            options.fault?.ingestIteration()
            if connection == nil, let gate, !gate.mayAttempt(worker) {
                sleep(.milliseconds(50), until: stop)
                continue
            }
            do throws(PostgresError) {
                let connection = try connected(events)
                try connection.execute("BEGIN")
                let batch = try source!.claim(connection, limit: options.batchSize)
                if batch.isEmpty {
                    try connection.execute("COMMIT")
                    backoff.reset()
                    retryBackoff.reset()
                    events(.caughtUp)
                    waitForRows(until: stop, events: events)
                    continue
                }
                let model = detector()
                let verdicts = model.score(batch.records, pool: pool, latentMean: options.storesLatentMean)
                let report = try sink!.write(
                    connection, keys: batch.records.keys, verdicts: verdicts, rejected: batch.rejected)
                try source!.advance(connection, past: batch)
                let commit = try connection.execute("COMMIT")
                guard commit.commandTag == "COMMIT" else {
                    throw PostgresError(
                        .statement, message: "COMMIT answered \(commit.commandTag); the batch is redone")
                }
                source!.committed(batch)
                backoff.reset()
                retryBackoff.reset()
                events(.committed(records: batch.records, verdicts: verdicts, report: report, claimed: batch.claimed))
                drainListener()
            } catch {
                if error.kind == .configuration, source == nil { throw error }
                handle(error, stop: stop, events: events)
            }
        }
    }

    /// The open connection, or a new one readied for work (source checked, locks taken, staging table made).
    private func connected(_ events: (PipelineEvent) -> Void) throws(PostgresError) -> Connection {
        if let connection, connection.isOpen { return connection }
        connection?.close()
        connection = nil
        let fresh = try Connection(options.connection)
        var table = options.source
        let model = detector()
        if table.columns.isEmpty { table.columns = model.featureNames }
        let resolved = try ResolvedSource.resolve(table, on: fresh)
        do {
            try model.checkFeatures(resolved.columns)
        } catch {
            throw PostgresError(.configuration, message: "\(error)")
        }
        let source: any PostgresSource =
            switch options.mode {
            case .queue: QueueSource(table: resolved)
            case .watermark: WatermarkSource(table: resolved)
            }
        try source.prepare(fresh)
        let sink = VerdictSink(source: resolved.name, storesLatentMean: options.storesLatentMean)
        try sink.prepare(fresh)
        self.source = source
        self.sink = sink
        connection = fresh
        gate?.succeeded(worker)
        events(.connected(target: fresh.target, source: resolved))
        return fresh
    }

    /// Reconnects after a lost connection, waits for a busy source, retries anything else with backoff.
    private func handle(_ error: PostgresError, stop: StopSignal, events: (PipelineEvent) -> Void) {
        if error.needsReconnect {
            connection?.close()
            connection = nil
            gate?.failed(worker)
            let delay = backoff.nextDelay()
            events(.waitingForDatabase(attempt: backoff.attempts, error: error, retryIn: delay))
            sleep(delay, until: stop)
            return
        }
        rollback()
        if error.kind == .busy {
            // A standby, not a failure: it asks for the lock every poll interval, so that it takes over soon after
            // the holder stops.
            connection?.close()
            connection = nil
            events(.sourceBusy(error))
            sleep(options.pollInterval, until: stop)
            return
        }
        let delay = retryBackoff.nextDelay()
        events(.retrying(attempt: retryBackoff.attempts, error: error, retryIn: delay))
        sleep(delay, until: stop)
    }

    private func rollback() {
        guard let connection, connection.isOpen else { return }
        do {
            try connection.execute("ROLLBACK")
        } catch {
            connection.close()
            self.connection = nil
        }
    }

    // MARK: - Waiting

    /// Waits for a notification about this source, the poll interval, or stop, whichever comes first. A broken
    /// listener counts as a wake-up: notifications sent while it was away are gone, so the caller polls.
    private func waitForRows(until stop: StopSignal, events: (PipelineEvent) -> Void) {
        let deadline = ContinuousClock.now + options.pollInterval
        guard options.listen, options.mode == .queue, let name = source?.table.name else {
            sleep(options.pollInterval, until: stop)
            return
        }
        while !stop.isStopped {
            heartbeat?.beat()
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return }
            guard let (listener, fresh) = openListener(events) else {
                sleep(min(left, .milliseconds(100)), until: stop)
                continue
            }
            // Rows inserted before LISTEN took effect sent their notifications to nobody: poll first.
            if fresh { return }
            do {
                let received = try listener.notifications(waitingUpTo: min(left, .milliseconds(100)))
                if received.contains(where: { $0.payload == name }) { return }
            } catch {
                listener.close()
                self.listener = nil
                listenerRetryAt = .now + listenerBackoff.nextDelay()
                return
            }
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
        }
    }

    /// The listening connection, opened (and LISTENing) if it is not, and whether it was opened just now; nil
    /// while it cannot be opened (each failure is reported, and the next attempt waits for the backoff).
    private func openListener(_ events: (PipelineEvent) -> Void) -> (Connection, fresh: Bool)? {
        if let listener, listener.isOpen { return (listener, false) }
        listener = nil
        guard ContinuousClock.now >= listenerRetryAt else { return nil }
        var settings = options.connection
        settings.applicationName += "-listen"
        do throws(PostgresError) {
            let fresh = try Connection(settings)
            try fresh.execute("LISTEN vaewatch")
            listener = fresh
            listenerBackoff.reset()
            return (fresh, true)
        } catch {
            let delay = listenerBackoff.nextDelay()
            listenerRetryAt = .now + delay
            events(.listenerFailed(attempt: listenerBackoff.attempts, error: error, retryIn: delay))
            return nil
        }
    }

    /// Sleeps `duration` in short slices, returning early when stop is raised.
    private func sleep(_ duration: Duration, until stop: StopSignal) {
        let end = ContinuousClock.now + duration
        while !stop.isStopped {
            let left = ContinuousClock.now.duration(to: end)
            guard left > .zero else { return }
            heartbeat?.beat()
            let slice = min(left, .milliseconds(50))
            let (seconds, attoseconds) = slice.components
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            _ = nanosleep(&request, nil)
        }
    }
}
