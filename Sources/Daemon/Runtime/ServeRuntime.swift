import Checkpoint
import Detector
import Glibc
import Logging
import ServiceLifecycle
import Synchronization
internal import SystemIO

/// `vaewatch serve`: loads the configuration, takes over the state and runtime folders, loads the newest model,
/// tells systemd READY=1, and runs the ingest, training, health and control services (and, with `metrics.listen`,
/// the metrics service) in one service group until SIGTERM (or the end of stdin). Returns the exit status.
///
/// Call ``ControlSignals/takeOver()`` first, on the main thread, before any other thread exists.
package enum ServeRuntime {
    /// Exit status of a clean stop.
    package static let exitOK: Int32 = 0
    /// Exit status of a configuration (or source) that does not fit: systemd should not restart (EX_CONFIG).
    package static let exitConfiguration: Int32 = 78

    /// Runs the daemon; returns its exit status.
    package static func run(_ request: ServeRequest, logger: Logger) async -> Int32 {
        let notifier = SystemdNotifier()
        let configuration: ServeConfiguration
        do {
            configuration = try Settings.load(
                file: request.configurationPath, environment: request.environment, overrides: request.overrides)
        } catch {
            logger.critical(
                "the configuration is not valid, nothing was started; fix it (check with `vaewatch check-config`):")
            for problem in error.problems { logger.critical("\(problem.description)") }
            notifier.status("configuration not valid: " + error.summary)
            return exitConfiguration
        }
        JournalLogHandler.setLevel(Logger.Level(rawValue: configuration.logLevel.rawValue) ?? .info)
        let context: DaemonContext
        do {
            context = try DaemonContext(
                request: request, configuration: configuration, notifier: notifier, logger: logger,
                fault: FaultHook.fromEnvironment(request.environment))
        } catch {
            logger.critical("\(error.description)")
            return exitConfiguration
        }
        let (signals, continuation) = AsyncStream.makeStream(of: CInt.self)
        let waiter = SignalWaiter { continuation.yield($0) }
        defer {
            waiter.stop()
            continuation.finish()
        }
        let extender = startExtending(context)
        let started = await onOwnThread { start(context) }
        extender.cancel()
        if let error = started {
            context.fail(error)
            notifier.status("failed to start: \(error.description)")
            return status(for: error)
        }
        var metricsServer: MetricsServer?
        // metrics.listen was checked with the configuration.
        if let registry = context.metrics.registry,
            let address = try? ListenAddress(parsing: configuration.metricsListen)
        {
            do {
                let server = try await MetricsServer.open(at: address, registry: registry)
                context.logger.info("serving metrics", metadata: ["metrics.url": "\(server.url)"])
                metricsServer = server
            } catch {
                context.fail(error)
                notifier.status("failed to start: \(error.description)")
                return status(for: error)
            }
        }
        let hasModel = context.engine.detector != nil
        let line = context.status.withLock { status -> String in
            status.ready(hasModel: hasModel)
            return status.line
        }
        notifier.ready(status: line)
        logger.notice(
            "ready",
            metadata: [
                "source": "\(context.status.withLock { $0.source })",
                "model.version": "\(context.engine.detector.map { String($0.version) } ?? "none (warm-up)")",
                "state.directory": "\(configuration.stateDirectory)",
            ])
        var services: [any Service] = [
            IngestService(context: context), TrainingService(context: context), HealthService(context: context),
            ControlService(context: context, signals: signals),
        ]
        if let metricsServer { services.append(MetricsService(server: metricsServer)) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map {
                    .init(
                        service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        do {
            try await group.run()
        } catch {
            context.fail(DaemonError(.io, "the service group failed: \(error)"))
        }
        if context.failure.withLock({ $0 }) == nil { context.checkpointMovedThreshold() }
        let failure = context.failure.withLock { $0 }
        let exitStatus = failure.map(status(for:)) ?? exitOK
        // The last write of the status file says that the process stopped, how and when: `vaewatch status` shows
        // it once the process is gone.
        let final = context.status.withLock { status -> DaemonStatus in
            request.terminal?.finish(with: status.stoppedLine)
            status.stop(exitStatus: exitStatus, at: Int64(time(nil)))
            return status
        }
        notifier.stopping(status: DaemonStatus.State.stopping.rawValue)
        try? StatusFile.write(final, in: context.settings.runtimeDirectory)
        PidFile.remove(in: context.settings.runtimeDirectory)
        if failure == nil {
            logger.notice("stopped", metadata: ["records": "\(final.records)", "anomalies": "\(final.anomalies)"])
        }
        return exitStatus
    }

    /// The exit status for a failure.
    static func status(for error: DaemonError) -> Int32 {
        switch error.code {
        case .configuration, .source: 78
        case .io: 74
        case .data: 65
        case .model: 70
        }
    }

    /// Prepares the folders and loads a model; returns why it cannot start, or nil.
    private static func start(_ context: DaemonContext) -> DaemonError? {
        let settings = context.settings
        // systemd creates StateDirectory=; by hand the folder is created here (its parent must exist).
        try? SystemCalls.makeDirectory(settings.stateDirectory, permissions: 0o700)
        do {
            let removed = try context.checkpoints.prepare()
            if removed > 0 {
                context.logger.notice(
                    "removed temporary files a killed checkpoint write left", metadata: ["files.removed": "\(removed)"])
            }
        } catch {
            return DaemonError(.io, "\(error); set state.directory to a writable folder")
        }
        do {
            try PidFile.write(in: settings.runtimeDirectory)
        } catch {
            return error
        }
        if case .slowStart(let seconds) = context.fault?.kind {
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
            nanosleep(&request, nil)
        }
        let expected = settings.sourceColumns.isEmpty ? nil : settings.sourceColumns
        if !settings.modelPath.isEmpty {
            do {
                context.use(
                    try ModelFiles.detector(
                        atPath: settings.modelPath, expectedFeatures: expected, timeColumn: settings.timeColumn))
            } catch {
                return DaemonError(.configuration, "model.path: \(error.description)")
            }
            return nil
        }
        let versions: [(version: Int, path: String)]
        do {
            versions = try context.checkpoints.versions()
        } catch {
            return DaemonError(.io, "\(error)")
        }
        for checkpoint in versions {
            do {
                let detector = try ModelFiles.detector(
                    atPath: checkpoint.path, expectedFeatures: expected, timeColumn: settings.timeColumn)
                context.use(detector)
                context.loadedFromCheckpoint(detector)
                context.logger.info(
                    "model loaded from the newest valid checkpoint",
                    metadata: ["model.version": "\(detector.version)", "file.path": "\(checkpoint.path)"])
                return nil
            } catch {
                context.problem("checkpoint refused, trying the previous one: \(error.description)")
            }
        }
        return nil
    }

    /// Sends EXTEND_TIMEOUT_USEC every half start timeout until cancelled, so a slow start is not killed.
    private static func startExtending(_ context: DaemonContext) -> Task<Void, Never> {
        let timeout = Duration.milliseconds(Int64(context.settings.startTimeoutSeconds * 1000))
        let notifier = context.notifier
        return Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: timeout / 2)
                guard !Task.isCancelled else { return }
                notifier.extendTimeout(by: timeout, status: "starting: loading the model")
            }
        }
    }
}
