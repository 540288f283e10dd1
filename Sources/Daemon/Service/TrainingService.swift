import Compute
import Detector
import Glibc
import Logging
import Report
import ServiceLifecycle
import Synchronization
import VAE

/// Scheduled incremental retraining: when the policy says so (records, time, or SIGUSR1), retrains the model in
/// use on the training window, warm, on a pool of its own, swaps the result in, checkpoints it and (with the
/// PostgreSQL sink) stores it in the registry with a `retrains` row. Scoring goes on meanwhile; signals that arrive
/// during a retrain fold into it.
struct TrainingService: Service {
    let context: DaemonContext

    func run() async {
        let context = self.context
        let heartbeat = context.heartbeats.register("training")
        defer { context.heartbeats.remove(heartbeat) }
        // Runs until the group shuts down (the ingest service ending, or SIGTERM): a service that ended on its
        // own would end the group early.
        while !Task.isShuttingDownGracefully {
            heartbeat.beat()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            guard !context.stopping.isStopped, let detector = context.models.detector else { continue }
            let now = context.elapsed
            let reason: String? = context.policy.withLock { policy in
                guard policy.isDue(now: now) else { return nil }
                if policy.isRequested { return "signal" }
                return policy.nextDue(now: now).records == 0 ? "records" : "schedule"
            }
            guard let reason else { continue }
            await retrain(detector, reason: reason, heartbeat: heartbeat)
        }
    }

    /// One retrain of `detector`, for `reason`.
    private func retrain(_ detector: Detector, reason: String, heartbeat: Heartbeat) async {
        let context = self.context
        let window = context.window.withLock { $0?.snapshot() }
        context.policy.withLock { $0.retrained(at: context.elapsed) }
        guard let window, window.count > 0 else {
            context.logger.warning("retrain skipped: no normal records in the training window yet")
            return
        }
        let settings = context.settings
        var options = settings.detector
        let network = detector.model.architecture  // A retrain keeps the network of the model in use.
        options.hiddenWidths = network.hiddenWidths
        options.latentWidth = network.latentWidth
        options.activation = network.activation
        options.reconstruction = network.reconstruction
        options.beta = network.beta
        let startedAt = Int64(time(nil))
        let clock = ContinuousClock.now
        context.status.withLock { $0.retraining = true }
        context.logger.notice(
            "retrain started",
            metadata: [
                "retrain.reason": "\(reason)", "retrain.records": "\(window.count)",
                "model.version": "\(detector.version)",
            ])
        let fault = context.fault
        let stopping = context.stopping
        let retrainOptions = options
        let outcome = await onOwnThread { () -> Result<DetectorTrainingResult, DetectorError> in
            let pool = ThreadPool(threadCount: settings.trainingThreads)
            return Result { () throws(DetectorError) in
                try detector.retrained(
                    on: window, options: retrainOptions, pool: pool, createdAt: startedAt, refitsScaler: true
                ) { _ in
                    heartbeat.beat()
                    fault?.trainingEpoch()
                    return stopping.isStopped ? .stop : .proceed
                }
            }
        }
        context.policy.withLock { $0.withdrawRequest() }
        context.status.withLock { $0.retraining = false }
        guard !stopping.isStopped else { return }
        let record = RetrainRecord(
            startedAt: startedAt, reason: reason, records: window.count, fromVersion: detector.version, outcome: "ok")
        switch outcome {
        case .success(let result):
            let fresh = result.detector
            context.use(fresh)
            context.status.withLock {
                $0.retrains += 1
                $0.lastRetrainAt = Int64(time(nil))
            }
            context.logger.notice(
                "retrain finished; new model in use",
                metadata: [
                    "model.version": "\(fresh.version)", "model.threshold": "\(fresh.threshold)",
                    "retrain.records": "\(window.count)",
                    "retrain.seconds": "\(NumberText.seconds(ContinuousClock.now - clock))",
                    "retrain.active_latent_units": "\(result.summary.activeLatentUnits)",
                ])
            context.checkpoint(fresh)
            context.publish(fresh, retrain: record)
        case .failure(let error):
            context.problem("retrain failed, model version \(detector.version) stays in use: \(error)")
            var failed = record
            failed.outcome = error.description
            context.publish(nil, retrain: failed)
        }
    }
}
