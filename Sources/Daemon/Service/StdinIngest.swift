import Compute
import Detector
import Glibc
import Logging
import Synchronization
import RecordIO
import RecordParsing
import VAE

/// Stdin mode: the ``StreamScorer`` with the daemon's hooks. Warm-up training (without a model) happens inside
/// the scorer; its model, and every later one, comes from the daemon's slot.
struct StdinIngest {
    let context: DaemonContext

    func run() {
        let context = self.context
        let settings = context.settings
        var options = StreamOptions()
        options.inputFormat = settings.inputFormat
        options.onlyAnomalies = settings.onlyAnomalies
        options.warmup = settings.warmupRecords
        options.detector = settings.detector
        options.trainingThreads = settings.trainingThreads
        if !settings.sourceColumns.isEmpty { options.columns = ColumnSelection(features: settings.sourceColumns) }
        let heartbeat = context.heartbeats.register("ingest")
        defer { context.heartbeats.remove(heartbeat) }
        var hooks = StreamHooks()
        hooks.model = { context.models.detector }
        let warmup = settings.warmupRecords
        hooks.learned = { result in
            context.learned(result.detector, from: .leading(warmup))
            context.checkpoint(result.detector)
            context.logger.info(
                "model version 1 learned at warm-up",
                metadata: [
                    "model.version": "1", "model.threshold": "\(result.detector.threshold)",
                    "training.records": "\(result.summary.trainingRows)",
                ])
            if let note = result.constantFeatureNote { context.logger.warning("\(note)") }
        }
        // The slot's model moves, so that a checkpoint (SIGUSR2, stop) and the status carry the moved threshold.
        hooks.moveThreshold = { scores, version in context.moveThreshold(with: scores, scoredBy: version) }
        hooks.scored = { batch, verdicts, rejects in
            heartbeat.beat()
            let before = context.status.withLock { $0.rejects }
            context.scored(batch, verdicts: verdicts, rejects: max(0, rejects - before))
        }
        hooks.shouldContinue = {
            heartbeat.beat()
            context.fault?.ingestIteration()
            return !context.stopping.isStopped
        }
        if context.models.detector == nil {
            context.status.withLock {
                $0.state = .warmingUp
                $0.detail = "learning from the first \(settings.warmupRecords) records of stdin"
            }
        }
        let scorer = StreamScorer(
            options: options, detector: context.models.detector, pool: ThreadPool(threadCount: 1), hooks: hooks
        ) { line in
            context.logger.notice("\(line.hasPrefix("vaewatch: ") ? String(line.dropFirst(10)) : line)")
        }
        do {
            let summary = try scorer.run(output: STDOUT_FILENO)
            context.logger.info(
                summary.outputClosed ? "the output was closed by its reader" : "input ended",
                metadata: ["records": "\(summary.records)", "anomalies": "\(summary.anomalies)"])
            context.stopping.stop()
        } catch {
            if context.stopping.isStopped {  // Stopped before the input gave a header: nothing was lost.
                context.logger.notice("stopped before any record arrived")
                return
            }
            switch error {
            case .records(let failure):
                context.fail(DaemonError(failure.code == .data ? .data : .io, failure.description))
            case .training(let failure):
                context.fail(DaemonError(.model, failure.description))
            }
        }
    }
}
