import Detector
import Glibc
import Logging
import PostgresStore
import Report
import Synchronization

extension DaemonContext {
    /// Turns a pipeline event into counters, the training window, status and log lines.
    func handle(_ event: PipelineEvent, worker: Int) {
        switch event {
        case .committed(let records, let verdicts, let report, let claimed, let took, let queued):
            // The next batches are compared with a threshold that has seen this one (peaks over threshold).
            engine.scored(
                records, verdicts: verdicts, rejected: report.refused.count + report.unscorable.count, took: took)
            metrics.verdictsCommitted(queued: queued, took: took)
            deadLettered(report, worker: worker)
            let batchSize = settings.batchSize
            behindSince.withLock { since in
                if claimed >= batchSize {
                    if since == nil { since = .now }
                } else {
                    since = nil
                }
            }
            if claimed < batchSize { metrics.waiting(0) }  // The claim took every row there was.
            updateLag()
        case .caughtUp:
            behindSince.withLock { $0 = nil }
            metrics.waiting(0)
            updateLag()
            status.withLock { $0.connected() }
        case .backlog(let rows):
            metrics.waiting(rows)
        case .connected(let target, let source, let reconnected):
            if reconnected { metrics.reconnected() }
            logThrottle.withLock {
                $0.reset("connect")
                $0.reset("busy")
            }
            resolvedSourceName.withLock { $0 = source.name }
            coordinate(source)
            logger.info(
                "connected",
                metadata: ["db.target": "\(target)", "source.name": "\(source.name)", "worker": "\(worker)"])
            status.withLock { $0.connected() }
        case .waitingForDatabase(let attempt, let error, let retryIn):
            logThrottled(
                .warning, "database unreachable; retrying", topic: "connect", key: error.description,
                metadata: [
                    "db.attempt": "\(attempt)", "db.error": "\(error.description)",
                    "db.retry_in": "\(NumberText.seconds(retryIn)) seconds",
                    "worker": "\(worker)",
                ])
            status.withLock {
                $0.waitingForDatabase("attempt \(attempt): \(error.description)")
                $0.record(error: error.description, at: Int64(time(nil)))
            }
        case .retrying(let attempt, let error, let retryIn):
            let cause = RetryAdvice.text(for: error, table: settings.sourceTable)
            logger.warning(
                "batch failed; retrying",
                metadata: [
                    "db.attempt": "\(attempt)", "db.error": "\(cause)",
                    "db.retry_in": "\(NumberText.seconds(retryIn)) seconds",
                    "worker": "\(worker)",
                ])
            status.withLock { $0.record(error: "attempt \(attempt): \(cause)", at: Int64(time(nil))) }
        case .listenerFailed(let attempt, let error, let retryIn):
            logThrottled(
                .warning, "cannot open the LISTEN connection; polling every source.poll until it opens",
                topic: "listen", key: error.description,
                metadata: [
                    "db.attempt": "\(attempt)", "db.error": "\(error.description)",
                    "db.retry_in": "\(NumberText.seconds(retryIn)) seconds",
                    "worker": "\(worker)",
                ])
        case .sourceBusy(let error):
            // A standby polls every source.poll for the lock: one line when it starts waiting, then one every five
            // minutes, not one per poll.
            logThrottled(
                .notice, "source busy", topic: "busy", key: error.description,
                metadata: ["db.error": "\(error.description)"])
            status.withLock { $0.waiting("waiting: \(error.description)") }
        }
    }

    /// Logs one line per stage for a batch that put rows in the dead letters (how many, the first key and its
    /// reason), and counts them in the status, whose STATUS line names them while they keep coming (U4).
    private func deadLettered(_ report: VerdictSink.Report, worker: Int) {
        for (stage, rows) in [(DaemonMetrics.DeadLetterStage.input, report.unscorable), (.sink, report.refused)] {
            guard let first = rows.first else { continue }
            logger.warning(
                "rows put in vaewatch.dead_letters",
                metadata: [
                    "dead_letters.count": "\(rows.count)", "dead_letters.stage": "\(stage.rawValue)",
                    "dead_letters.key": "\(first.key)", "dead_letters.reason": "\(first.reason)", "worker": "\(worker)",
                ])
            status.withLock {
                $0.deadLettered(rows.count, first: "key \(first.key): \(first.reason)", at: Int64(time(nil)))
            }
            metrics.deadLettered(rows.count, stage: stage)
        }
    }

    /// Seconds behind, from `behindSince`, into the status.
    private func updateLag() {
        let lag = behindSince.withLock { $0.map { (ContinuousClock.now - $0).seconds } } ?? 0
        status.withLock { $0.lagSeconds = lag }
    }
}

/// A retrain, as a row of `vaewatch.retrains`.
struct RetrainRecord: Sendable {
    /// Seconds since 1970.
    var startedAt: Int64
    /// `records`, `schedule`, `signal` or `command`.
    var reason: String
    /// Window records trained on.
    var records: Int
    /// The version it started from.
    var fromVersion: Int?
    /// `ok`, or the error.
    var outcome: String
}
