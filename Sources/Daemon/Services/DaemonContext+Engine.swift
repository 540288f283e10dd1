import Detector
import Glibc
import PostgresStore
import Logging
import Report
import Synchronization
import VAE

/// What the daemon does when its engine acts: counts and state in the status, log lines, checkpoints, and (with the
/// PostgreSQL sink) the registry and the retrains table.
extension DaemonContext: OnlineObserver {
    func scored(_ step: OnlineStep, rejected: Int, inUse: Detector, took: Duration) {
        metrics.scored(records: step.records, flagged: step.anomalies, rejected: rejected, took: took)
        metrics.modelInUse(inUse)
        status.withLock {
            $0.records += step.records
            $0.anomalies += step.anomalies
            $0.rejects += rejected
            $0.modelVersion = inUse.version
            $0.threshold = inUse.threshold
            $0.scored()
        }
    }

    func learned(_ result: DetectorTrainingResult, records: Int, duration: Duration) {
        let detector = result.detector
        if let note = result.constantFeatureNote { logger.warning("\(note)") }
        logger.notice(
            "first model learned; scoring new rows",
            metadata: [
                "model.version": "\(detector.version)", "model.threshold": "\(detector.threshold)",
                "training.records": "\(records)", "training.seconds": "\(NumberText.seconds(duration))",
                "training.active_latent_units": "\(result.summary.activeLatentUnits)",
            ])
        showInUse(detector)
        checkpoint(detector)
    }

    func retrainStarted(_ order: RetrainOrder) {
        status.withLock { $0.retraining = true }
        logger.notice(
            "retrain started",
            metadata: [
                "retrain.reason": "\(order.reason.rawValue)", "retrain.records": "\(order.window.count)",
                "model.version": "\(order.detector.version)",
            ])
    }

    func retrainSkipped(_ reason: RetrainReason) {
        metrics.retrained(.skipped, took: nil)
        logger.warning(
            "retrain skipped: no normal records in the training window yet",
            metadata: ["retrain.reason": "\(reason.rawValue)"])
    }

    func retrainEpoch() -> TrainingControl {
        fault?.trainingEpoch()
        return stopping.isStopped ? .stop : .proceed
    }

    func adopt(_ result: DetectorTrainingResult, from order: RetrainOrder) -> Detector? {
        guard !stopping.isStopped else { return nil }  // Stopped mid-way: dropped, unsaved.
        do {
            return try registered(result.detector)
        } catch {
            problem(
                "retrained model not stored in the registry, model version \(order.detector.version) stays in use "
                    + "(the next retrain tries again): \(error.description)")
            return nil
        }
    }

    func retrained(_ outcome: RetrainOutcome, adopted: Detector?) {
        status.withLock { $0.retraining = false }
        guard !stopping.isStopped || adopted != nil else { return }
        let order = outcome.order
        var record = RetrainRecord(
            startedAt: outcome.startedAt, reason: order.reason.rawValue, records: order.window.count,
            fromVersion: order.detector.version, outcome: "ok")
        switch outcome.result {
        case .success(let result):
            guard let fresh = adopted else {
                metrics.retrained(.notStored, took: outcome.duration)
                record.outcome = "not stored in the registry"
                recordRetrain(record, toVersion: nil, metrics: result.detector.trainingSummaryJSON)
                return
            }
            metrics.retrained(.ok, took: outcome.duration)
            metrics.modelInUse(fresh)
            status.withLock {
                $0.retrains += 1
                $0.lastRetrainAt = Int64(time(nil))
                $0.modelVersion = fresh.version
                $0.threshold = fresh.threshold
            }
            logger.notice(
                "retrain finished; new model in use",
                metadata: [
                    "model.version": "\(fresh.version)", "model.threshold": "\(fresh.threshold)",
                    "retrain.records": "\(order.window.count)",
                    "retrain.seconds": "\(NumberText.seconds(outcome.duration))",
                    "retrain.active_latent_units": "\(result.summary.activeLatentUnits)",
                ])
            checkpoint(fresh)
            recordRetrain(record, toVersion: fresh.version, metrics: fresh.trainingSummaryJSON)
        case .failure(let error):
            metrics.retrained(.failed, took: outcome.duration)
            problem("retrain failed, model version \(order.detector.version) stays in use: \(error)")
            record.outcome = error.description
            recordRetrain(record, toVersion: nil, metrics: nil)
        }
    }
}
