import Compute
import Detector
import Glibc
import Logging
import Synchronization
import RecordIO
import RecordParsing
import VAE

/// Stdin mode: the ``StreamScorer`` driving the daemon's engine. Warm-up training (without a model) happens inside
/// the scorer; the daemon hears of it, and of every batch, through the engine (``DaemonContext/learned(_:records:duration:)``).
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
        options.columns = ColumnSelection(
            features: settings.sourceColumns.isEmpty ? nil : settings.sourceColumns, time: settings.timeColumn)
        let heartbeat = context.heartbeats.register("ingest")
        defer { context.heartbeats.remove(heartbeat) }
        if context.engine.detector == nil {
            context.status.withLock {
                $0.warmingUp("learning from the first \(settings.warmupRecords) records of stdin")
            }
        }
        let scorer = StreamScorer(
            options: options, engine: context.engine, pool: ThreadPool(threadCount: 1),
            keepGoing: {
                heartbeat.beat()
                context.fault?.ingestIteration()
                return !context.stopping.isStopped
            }
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
