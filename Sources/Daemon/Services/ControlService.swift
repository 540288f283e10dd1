import Checkpoint
import Detector
import Glibc
import Logging
import PostgresStore
import ServiceLifecycle
import Synchronization
import VAE

/// Control: the signals. TERM/INT stop gracefully, HUP reloads the configuration and the newest model, USR1 asks
/// for a retrain now, USR2 writes a checkpoint and logs a status dump.
struct ControlService: Service {
    let context: DaemonContext
    let signals: AsyncStream<CInt>

    func run() async {
        for await signal in signals.cancelOnGracefulShutdown() {
            switch signal {
            case SIGTERM, SIGINT:
                context.logger.notice(
                    "stopping: finishing the batch in hand", metadata: ["signal": "\(ControlSignals.name(signal))"])
                context.status.withLock { $0.stopping() }
                context.notifier.stopping(status: "stopping: finishing the batch in hand")
                context.stopping.stop()  // The ingest service finishes its batch and ends, which ends the group.
            case SIGHUP:
                reload()
            case SIGUSR1 where context.status.withLock({ $0.role }) == .follower:
                // Kept here too: a follower that takes the lock before a leader answered (no daemon led, as
                // after a restart of the server, or the leader died) retrains itself; the leader's newer model
                // withdraws it.
                context.engine.requestRetrain()
                let context = self.context
                await onOwnThread { Self.askTheLeaderToRetrain(context) }
            case SIGUSR1:
                let running = context.engine.requestRetrain()
                context.logger.notice(
                    running ? "retrain requested while one runs; it folds into the running one" : "retrain requested",
                    metadata: ["signal": "USR1"])
            case SIGUSR2:
                dump()
            default:
                continue
            }
        }
    }

    /// SIGUSR1 on a follower: another daemon trains the source, so it is asked (`NOTIFY vaewatch_retrain`).
    private static func askTheLeaderToRetrain(_ context: DaemonContext) {
        guard let source = context.resolvedSourceName.withLock({ $0 }) else { return }
        do throws(PostgresError) {
            let connection = try context.connect(as: "vaewatch-control")
            defer { connection.close() }
            try connection.execute("SELECT pg_notify(\(.text(Coordinator.retrainChannel)), \(.text(source)))")
            context.logger.notice(
                "retrain requested; another daemon trains \(source), so it was asked to", metadata: ["signal": "USR1"])
        } catch {
            context.problem("cannot ask the daemon that trains \(source) to retrain: \(error.description)")
        }
    }

    /// How the STATUS line and the log begin a rejected reload; the next successful reload clears it.
    static let rejected = "reload rejected: "

    /// SIGHUP: RELOADING=1, read the configuration again, apply what can change while running, load a newer
    /// checkpoint if there is one, READY=1. A configuration that does not load keeps the old one in force.
    private func reload() {
        context.notifier.reloading()
        let previous = context.status.withLock { $0.reloading() }
        context.logger.notice("reloading the configuration", metadata: ["signal": "HUP"])
        let request = context.request
        var line: String
        do {
            let fresh = try Settings.load(
                file: request.configurationPath, environment: request.environment, overrides: request.overrides)
            let (merged, applied, needRestart) = Settings.reloaded(context.settings, with: fresh)
            try context.engine.reconfigure(
                everyRecords: merged.retrainEveryRecords > 0 ? merged.retrainEveryRecords : nil,
                everySeconds: merged.retrainEverySeconds > 0 ? merged.retrainEverySeconds : nil,
                options: merged.detector, threads: merged.trainingThreads)
            context.configuration.withLock { $0 = merged }
            JournalLogHandler.setLevel(Logger.Level(rawValue: merged.logLevel.rawValue) ?? .info)
            context.logger.notice(
                "configuration reloaded",
                metadata: [
                    "settings.changed": "\(applied.isEmpty ? "none" : applied.joined(separator: ","))"
                ])
            if !needRestart.isEmpty {
                context.logger.warning(
                    """
                    some changed settings take effect only after a restart (systemctl restart vaewatch); \
                    the old values stay until then
                    """,
                    metadata: ["settings.need_restart": "\(needRestart.joined(separator: ","))"])
            }
            context.status.withLock { $0.clearError(startingWith: Self.rejected) }
            loadNewerCheckpoint()
            line = context.status.withLock {
                $0.reloaded(backTo: previous)
                return $0.line
            }
        } catch let error as ConfigurationError {
            line = Self.rejected + error.summary
            context.logger.error("\(line)")
            context.status.withLock {
                $0.reloaded(backTo: previous)
                $0.record(error: line, at: Int64(time(nil)))
            }
        } catch {
            line = Self.rejected + "\(error)"
            context.logger.error("\(line)")
            context.status.withLock {
                $0.reloaded(backTo: previous)
                $0.record(error: line, at: Int64(time(nil)))
            }
        }
        context.notifier.send(["READY=1", "STATUS=\(line)"])
    }

    /// Puts the newest checkpoint in use if it is newer than the model in use (another process, or an operator,
    /// may have put one there).
    private func loadNewerCheckpoint() {
        guard let current = context.engine.detector else { return }
        do {
            guard let newest = try context.checkpoints.versions().first, newest.version > current.version else {
                return
            }
            let detector = try ModelFiles.detector(atPath: newest.path, expectedFeatures: current.featureNames)
            if context.engine.useIfNewer(detector) {
                context.showInUse(detector)
                context.logger.notice("newer checkpoint in use", metadata: ["model.version": "\(detector.version)"])
            }
        } catch {
            context.problem("cannot load the newest checkpoint, the model in use stays: \(error)")
        }
    }

    /// SIGUSR2: checkpoint the model in use and log the whole status.
    private func dump() {
        if let detector = context.engine.detector { context.checkpoint(detector) }
        let status = context.status.withLock { $0 }
        context.logger.notice(
            "status: \(status.line)",
            metadata: [
                "status.state": "\(status.state.rawValue)", "status.records": "\(status.records)",
                "status.anomalies": "\(status.anomalies)", "status.rejects": "\(status.rejects)",
                "status.model_version": "\(status.modelVersion.map(String.init) ?? "none")",
                "status.retrains": "\(status.retrains)", "status.last_error": "\(status.lastError ?? "none")",
            ])
    }
}
