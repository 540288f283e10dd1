import Compute
import Glibc
import Report
import Synchronization
import Detector
import Logging
import PostgresStore
import VAE

/// PostgreSQL mode: connects (with backoff while it cannot), checks the connections it will open against what the
/// server allows, makes sure there is a model (the newest checkpoint, else the registry's newest, else warm-up on the
/// table's most recent rows), then runs the pipeline group until the daemon stops.
struct PostgresIngest {
    let context: DaemonContext

    func run() {
        let settings = context.settings
        let connection = settings.connectionSettings()
        let source = SourceTable(
            table: QualifiedName(parsing: settings.sourceTable), key: settings.sourceKey,
            columns: settings.sourceColumns, name: settings.sourceName.isEmpty ? nil : settings.sourceName,
            timeColumn: settings.timeColumn)
        var options = PostgresPipelineOptions(connection: connection, source: source)
        options.mode = settings.sourceMode
        options.batchSize = settings.batchSize
        options.storesLatentMean = settings.storesLatentMean
        options.instance = context.instance
        options.notifiesAnomalies = settings.notifiesAnomalies
        options.pollInterval = .milliseconds(Int64(settings.pollSeconds * 1000))
        if settings.workers > 0 { options.workers = settings.workers }
        if !settings.metricsListen.isEmpty { options.backlogEvery = .seconds(5) }
        options.heartbeats = context.heartbeats
        options.fault = context.fault
        let engine = context.engine
        // prepare put a model in use, and nothing ever takes it away.
        let group = PostgresPipelineGroup(options: options) { engine.detector! }
        let budget = group.connections
        context.logger.info(
            "opening up to \(budget.total) connections to the database",
            metadata: [
                "db.connections": "\(budget.total)", "db.pipelines": "\(budget.pipelines)",
                "db.listeners": "\(budget.listeners)",
            ])
        let heartbeat = context.heartbeats.register("ingest")
        guard prepare(connection: connection, source: source, budget: budget, heartbeat: heartbeat) else {
            context.heartbeats.remove(heartbeat)
            context.stopCoordinating()
            return
        }
        seedWindow(connection: connection, source: source, heartbeat: heartbeat)
        context.heartbeats.remove(heartbeat)
        let context = self.context
        do {
            try group.run(until: context.stopping) { worker, event in context.handle(event, worker: worker) }
        } catch {
            context.fail(DaemonError(.source, "\(error)"))
        }
        context.stopCoordinating()
    }

    /// Connects until the database answers, checks `budget` against the server's limits once, and makes sure a
    /// model is in the slot; false when the daemon stopped (or failed) first. Every failure waits for the backoff
    /// (1 s doubling to 20 s, jittered), which only a step that succeeded resets: a database that accepts the
    /// connection but refuses the query (a missing privilege) backs off like one that is down.
    private func prepare(
        connection settings: ConnectionSettings, source: SourceTable, budget: ConnectionBudget, heartbeat: Heartbeat
    ) -> Bool {
        var backoff = Backoff(base: .seconds(1), cap: .seconds(20))
        var budgetChecked = false
        while !context.stopping.isStopped {
            heartbeat.beat()
            do throws(PostgresError) {
                let connection = try Connection(settings)
                defer { connection.close() }
                if !budgetChecked {
                    guard try check(budget, on: connection) else { return false }
                    budgetChecked = true
                }
                if context.engine.detector != nil { return true }
                let resolved = try ResolvedSource.resolve(source, on: connection)
                context.resolvedSourceName.withLock { $0 = resolved.name }
                // Of several daemons on the table, the one that holds the trainer lock warms up; the others wait
                // for its model, which their coordinator takes from the registry.
                context.coordinate(resolved)
                if let waiting = waitingForTheLeader(resolved.name) {
                    context.status.withLock { $0.warmingUp(waiting) }
                    backoff.reset()
                    pause(.milliseconds(200), beating: heartbeat, until: context.stopping)
                    continue
                }
                if try loadFromRegistry(resolved, on: connection) { return true }
                let wanted = context.settings.warmupRecords
                let (rows, rowsRead) = try RecentRows.read(resolved, limit: wanted, on: connection)
                backoff.reset()
                context.logThrottle.withLock {
                    $0.reset("connect")
                    $0.reset("start")
                }
                guard rowsRead >= wanted else {
                    context.status.withLock {
                        $0.warmingUp(
                            "\(rowsRead) of the \(wanted) records warm-up needs are in \(resolved.name); waiting "
                                + "for more (or lower training.warmup)")
                    }
                    pause(.seconds(5), beating: heartbeat, until: context.stopping)
                    continue
                }
                connection.close()
                try warmUp(
                    on: rows, names: resolved.columns, timeColumn: resolved.timeColumn, source: resolved.name,
                    heartbeat: heartbeat)
                if context.engine.detector != nil { return true }
            } catch {
                if error.kind == .configuration {
                    context.fail(DaemonError(.source, "\(error)"))
                    return false
                }
                let delay = backoff.nextDelay()
                retrying(after: error, attempt: backoff.attempts, retryIn: delay, source: source)
                pause(delay, beating: heartbeat, until: context.stopping)
            }
        }
        return false
    }

    /// What a daemon without a model waits for before it may warm up, or nil when it may (it leads, or there is no
    /// coordinator: watermark mode, where one daemon scores at a time).
    private func waitingForTheLeader(_ source: String) -> String? {
        guard context.coordinates, context.engine.detector == nil else { return nil }
        switch context.status.withLock({ $0.role }) {
        case .leader: return nil
        case .follower:
            return "waiting for the first model of the daemon that trains \(source) (it stores it in vaewatch.models)"
        case nil: return "asking for the trainer lock of \(source)"
        }
    }

    /// Shows and logs a failed start-up step: a database that cannot be reached is waited for; one that refuses
    /// (a missing privilege, a bad value) is named with what to do. Identical failures are logged once, then every
    /// five minutes; STATUS counts every attempt.
    private func retrying(after error: PostgresError, attempt: Int, retryIn delay: Duration, source: SourceTable) {
        let unreachable = error.needsReconnect
        let cause = unreachable ? error.description : RetryAdvice.text(for: error, table: "\(source.table)")
        context.status.withLock {
            if unreachable {
                $0.waitingForDatabase("attempt \(attempt): \(cause)")
            } else {
                $0.retrying("attempt \(attempt): \(cause)")
            }
        }
        context.logThrottled(
            .warning,
            unreachable ? "database not reachable at start; retrying" : "the database refused at start; retrying",
            topic: unreachable ? "connect" : "start", key: error.description,
            metadata: [
                "db.attempt": "\(attempt)", "db.error": "\(cause)",
                "db.retry_in": "\(NumberText.seconds(delay)) seconds",
            ])
    }

    /// Checks `budget` against the server's connection limits on `connection` and logs the outcome; false (the
    /// daemon failing with exit 78) when it can never fit. Limits that cannot be read are logged and not checked.
    private func check(_ budget: ConnectionBudget, on connection: Connection) throws(PostgresError) -> Bool {
        let limits: ServerConnectionLimits
        do throws(PostgresError) {
            limits = try ServerConnectionLimits.read(on: connection)
        } catch {
            if error.needsReconnect { throw error }
            context.logger.warning(
                "cannot read the server's max_connections; the connection count is not checked",
                metadata: ["db.error": "\(error.description)"])
            return true
        }
        let metadata: Logger.Metadata = [
            "db.connections": "\(budget.total)", "db.allowed": "\(ConnectionBudget.allowed(limits))",
            "db.in_use": "\(limits.inUse)", "db.max_connections": "\(limits.maxConnections)",
        ]
        switch budget.verdict(limits) {
        case .fits:
            context.logger.info("connection count fits the server", metadata: metadata)
        case .tight(let free):
            let text =
                "\(budget.total) connections may not all open now: \(free) are free (\(limits.inUse) in use by other "
                + "sessions); those that fail are retried and logged"
            context.logger.warning("\(text)", metadata: metadata)
        case .never:
            context.fail(DaemonError(.configuration, budget.refusal(limits)))
            return false
        }
        return true
    }

    /// Fills the training window from the table's most recent rows, judged by the model in use, so that the first
    /// retrain after a start learns from as much history as a daemon that never stopped (the rows warm-up learned
    /// from, or those scored before a restart), not only from the rows scored since. A failure leaves the window
    /// to fill from new rows.
    private func seedWindow(connection settings: ConnectionSettings, source: SourceTable, heartbeat: Heartbeat) {
        guard let detector = context.engine.detector, !context.stopping.isStopped else { return }
        heartbeat.beat()
        var modelSource = source
        modelSource.columns = detector.featureNames
        do throws(PostgresError) {
            let connection = try Connection(settings)
            defer { connection.close() }
            let resolved = try ResolvedSource.resolve(modelSource, on: connection)
            let rows = try RecentRows.read(resolved, limit: context.settings.windowCapacity, on: connection).records
            guard rows.count > 0 else { return }
            heartbeat.beat()
            let verdicts = detector.score(rows, pool: ThreadPool(threadCount: context.settings.trainingThreads))
            let held = context.engine.seedWindow(rows, verdicts: verdicts)
            context.logger.info(
                "training window filled from the table's recent rows",
                metadata: ["window.offered": "\(rows.count)", "window.records": "\(held)"])
        } catch {
            context.logger.warning(
                "could not fill the training window from the table; it fills from new rows instead",
                metadata: ["db.error": "\(error.description)"])
        }
    }

    /// Loads the registry's newest active model for the source; false when there is none that fits.
    private func loadFromRegistry(_ source: ResolvedSource, on connection: Connection) throws(PostgresError) -> Bool {
        guard let stored = try ModelRegistry.newestActive(source: source.name, on: connection) else { return false }
        do {
            let detector = try ModelFiles.detector(
                from: stored.bytes, name: "registry model \(source.name) v\(stored.version)",
                expectedFeatures: source.columns, timeColumn: source.timeColumn)
            context.use(detector)
            context.checkpoint(detector)
            context.logger.info(
                "model loaded from the registry", metadata: ["model.version": "\(detector.version)"])
            return true
        } catch {
            context.problem("the registry's model is not usable, warming up instead: \(error)")
            return false
        }
    }

    /// Trains the first model on `rows` (with their times when the source has a time column), puts it in use,
    /// checkpoints it and stores it in the registry.
    private func warmUp(
        on rows: RecordBatch, names: [String], timeColumn: String?, source: String, heartbeat: Heartbeat
    ) throws(PostgresError) {
        let settings = context.settings
        context.status.withLock { $0.warmingUp("learning from the \(rows.count) most recent records of \(source)") }
        context.logger.notice(
            "no model yet: learning from the most recent rows", metadata: ["training.records": "\(rows.count)"])
        let started = ContinuousClock.now
        let result: DetectorTrainingResult
        do {
            result = try Detector.train(
                featureNames: names, timeColumn: timeColumn, on: rows, options: settings.detector,
                pool: ThreadPool(threadCount: settings.trainingThreads), createdAt: Int64(time(nil))
            ) { _ in
                heartbeat.beat()
                return context.stopping.isStopped ? .stop : .proceed
            }
        } catch {
            context.fail(DaemonError(.model, "warm-up training failed: \(error)"))
            return
        }
        guard !context.stopping.isStopped else { return }
        // Stored first, under the version the registry allocates (another daemon may have stored one meanwhile); a
        // registry that cannot store it is retried with backoff, warm-up included.
        var stored = result
        stored.detector = try context.registered(result.detector)
        // The source gives the rows learned from like any other; their verdicts are written, but they neither move
        // the threshold nor count toward the retrain schedule (`WarmUpRecords`).
        context.engine.learned(
            stored, from: .keys(rows.keys), count: rows.count, duration: ContinuousClock.now - started)
    }
}
