import Checkpoint
import Compute
import Detector
import Glibc
import Logging
import PostgresStore
import Synchronization
internal import SystemIO
import VAE

/// What the daemon's services share: the configuration in force, the online-detection engine (the model in use, the
/// training window and schedule, the retrainer), the status, the heartbeats, and the stop flag. Every mutable part
/// sits behind a lock.
final class DaemonContext: Sendable {
    /// The configuration file and overrides, to read again on SIGHUP.
    let request: ServeRequest
    /// The configuration in force (a reload replaces the reloadable settings).
    let configuration: Mutex<ServeConfiguration>
    let heartbeats = Heartbeats()
    /// This daemon among several on one source, `host:pid`: the writer in `vaewatch.scores.scored_by` and the
    /// trainer in `vaewatch.retrains.instance`.
    let instance = "\(SystemCalls.hostName()):\(getpid())"
    /// The model in use, the training window and the retrain schedule, driven by the ingest loop's batches and the
    /// training service's ticks; this context hears what it does (``OnlineObserver``).
    let engine: OnlineEngine
    let notifier: SystemdNotifier
    let logger: Logger
    let checkpoints: CheckpointDirectory
    let fault: FaultHook?
    /// Raised on SIGTERM/SIGINT: loops finish the work in hand and return.
    let stopping = StopSignal()
    /// The status, for STATUS=, the status file and the log.
    let status = Mutex(DaemonStatus())
    /// The counters, histograms and gauges `/metrics` serves (`metrics.listen`), recorded where the status counts.
    let metrics: DaemonMetrics
    /// Why the daemon failed (it then stops), mapped to the exit status.
    let failure = Mutex<DaemonError?>(nil)
    /// The source's name in vaewatch's tables, once the catalog resolved it (`public.metrics` for `metrics`).
    let resolvedSourceName = Mutex<String?>(nil)
    /// The version and threshold tail of the model last written to the checkpoints folder or read from it: a clean
    /// stop writes a checkpoint only when the threshold in use has moved since.
    private let saved = Mutex<(version: Int, tail: ThresholdTail?)?>(nil)
    /// When the source started being behind; nil while caught up.
    let behindSince = Mutex<ContinuousClock.Instant?>(nil)
    /// Which repeated warnings (a connection refused, a source busy) to write: each once, then every five minutes.
    let logThrottle = Mutex(LogThrottle())
    /// The thread of the ``Coordinator`` (queue mode), once the source is resolved.
    private let coordinator = Mutex<BackgroundThread?>(nil)

    init(
        request: ServeRequest, configuration: ServeConfiguration, notifier: SystemdNotifier, logger: Logger,
        fault: FaultHook?
    ) throws(DaemonError) {
        self.request = request
        self.configuration = Mutex(configuration)
        self.notifier = notifier
        self.logger = logger
        self.fault = fault
        checkpoints = CheckpointDirectory(path: configuration.stateDirectory + "/checkpoints")
        metrics = DaemonMetrics(
            source: configuration.sourceKind == .stdin
                ? "stdin" : configuration.sourceName.isEmpty ? configuration.sourceTable : configuration.sourceName,
            exporting: !configuration.metricsListen.isEmpty)
        do {
            engine = OnlineEngine(
                OnlineDetector(
                    detector: nil, policy: try Self.policy(for: configuration, now: 0),
                    windowCapacity: configuration.windowCapacity),
                options: configuration.detector, threads: configuration.trainingThreads, heartbeats: heartbeats)
        } catch {
            throw DaemonError(.configuration, error.description)
        }
        status.withLock {
            $0.pid = getpid()
            $0.source =
                configuration.sourceKind == .stdin
                ? "stdin" : "\(configuration.sourceTable) (\(configuration.sourceMode.rawValue))"
        }
        engine.report(to: self)
        if coordinates { engine.setTraining(false) }  // Until the coordinator takes the trainer lock.
    }

    /// The retrain schedule `configuration` asks for.
    static func policy(for configuration: ServeConfiguration, now: Double) throws(DetectorError) -> RetrainPolicy {
        try RetrainPolicy(
            everyRecords: configuration.retrainEveryRecords > 0 ? configuration.retrainEveryRecords : nil,
            everySeconds: configuration.retrainEverySeconds > 0 ? configuration.retrainEverySeconds : nil,
            startingAt: now)
    }

    /// The configuration in force.
    var settings: ServeConfiguration { configuration.withLock { $0 } }

    /// Records a failure that stops the daemon (the first one wins) and asks every loop to stop.
    func fail(_ error: DaemonError) {
        failure.withLock { if $0 == nil { $0 = error } }
        logger.critical("\(error.description)")
        stopping.stop()
    }

    /// Logs `message` at `level` unless the same `key` (its `topic`, such as a failed connection's reason) was
    /// logged less than five minutes ago (``LogThrottle``); a line after held-back ones says how many.
    func logThrottled(
        _ level: Logger.Level, _ message: String, topic: String, key: String, metadata: Logger.Metadata = [:]
    ) {
        let decision = logThrottle.withLock { $0.admit(key, topic: topic, at: .now) }
        guard case .write(let held) = decision else { return }
        var metadata = metadata
        if held > 0 { metadata["log.repeats_held"] = "\(held)" }
        logger.log(level: level, "\(message)", metadata: metadata)
    }

    /// Whether this daemon coordinates with others on its source (a trainer lock; queue mode, where several
    /// daemons score one table): until it leads, it does not train.
    var coordinates: Bool { settings.sourceKind == .postgres && settings.sourceMode == .queue }

    /// Starts the ``Coordinator`` of `source` once (later calls do nothing); not without ``coordinates``.
    func coordinate(_ source: ResolvedSource) {
        guard coordinates else { return }
        coordinator.withLock { thread in
            guard thread == nil else { return }
            let coordinator = Coordinator(context: self, table: source)
            thread = BackgroundThread { coordinator.run() }
        }
    }

    /// Waits for the coordinator to end (the daemon is stopping).
    func stopCoordinating() {
        let thread = coordinator.withLock { thread -> BackgroundThread? in
            defer { thread = nil }
            return thread
        }
        thread?.join()
    }

    /// Notes an error that the daemon survives: logged, and in the status until the next one.
    func problem(_ text: String) {
        logger.error("\(text)")
        status.withLock { $0.record(error: text, at: Int64(time(nil))) }
    }

    /// Puts `detector` in use and shows it in the status; a model in use ends warm-up at once, not at the first
    /// record scored: one loaded from the registry may wait a long time for its first row.
    func use(_ detector: Detector) {
        engine.use(detector)
        showInUse(detector)
    }

    /// Shows `detector` as the model in use; ends warm-up.
    func showInUse(_ detector: Detector) {
        metrics.modelInUse(detector)
        status.withLock {
            $0.modelVersion = detector.version
            $0.threshold = detector.threshold
            $0.modelInUse()
        }
    }

    /// Checkpoints the model in use when its threshold moves with the scores and has moved since the checkpoint
    /// written or read last, so that a restart goes on from the threshold the stream has taught it instead of the
    /// one fitted at training. Called once the services have ended, after a clean stop.
    func checkpointMovedThreshold() {
        guard let detector = engine.detector, let tail = detector.header.thresholdTail else { return }
        let unchanged = saved.withLock { $0.map { $0.version == detector.version && $0.tail == tail } ?? false }
        guard !unchanged else { return }
        checkpoint(detector)
    }

    /// Notes that `detector` is the one in the checkpoints folder (it was loaded from there).
    func loadedFromCheckpoint(_ detector: Detector) {
        saved.withLock { $0 = (detector.version, detector.header.thresholdTail) }
    }

    /// Saves `detector` as a checkpoint in the state folder (keeping `state.keep`); a failure is logged and shown
    /// in the status, and the previous checkpoints stay.
    @discardableResult
    func checkpoint(_ detector: Detector) -> Bool {
        do {
            let bytes = try detector.fileBytes()
            let path = try checkpoints.save(bytes, version: detector.version, keep: settings.keepCheckpoints)
            saved.withLock { $0 = (detector.version, detector.header.thresholdTail) }
            logger.info(
                "checkpoint written", metadata: ["model.version": "\(detector.version)", "file.path": "\(path)"])
            return true
        } catch {
            problem("checkpoint of model version \(detector.version) failed, the previous checkpoints stay: \(error)")
            return false
        }
    }
}
