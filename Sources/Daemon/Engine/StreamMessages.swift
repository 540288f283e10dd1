import Detector
import RecordIO
import RecordParsing
import Report
import VAE

/// What `vaewatch score` says on stderr about its engine: the model learned at warm-up, retrains and the models
/// they put in use, one line each.
struct StreamMessages: OnlineObserver {
    /// Receives each line.
    let message: @Sendable (String) -> Void
    /// The latent width asked for, for "k of n latent units active".
    let latentWidth: Int

    func scored(_ step: OnlineStep, rejected: Int, inUse: Detector, took: Duration) {}

    func learned(_ result: DetectorTrainingResult, records: Int, duration: Duration) {
        message(
            "vaewatch: model version \(result.detector.version) learned from \(Counted.text(records, "record")) in "
                + "\(NumberText.seconds(duration)) s: "
                + "threshold \(result.detector.threshold)\(Self.moving(result.detector)), "
                + "\(result.summary.activeLatentUnits) of \(latentWidth) latent units active")
        if let note = result.constantFeatureNote { message("vaewatch: note: \(note)") }
    }

    func retrainStarted(_ order: RetrainOrder) {
        message(
            "vaewatch: retraining on the \(Counted.text(order.window.count, "most recent normal record")), in the background"
        )
    }

    func retrainSkipped(_ reason: RetrainReason) {
        message("vaewatch: retrain skipped: no normal records to learn from yet")
    }

    func retrainEpoch() -> TrainingControl { .proceed }

    func adopt(_ result: DetectorTrainingResult, from order: RetrainOrder) -> Detector? { result.detector }

    func retrained(_ outcome: RetrainOutcome, adopted: Detector?) {
        switch outcome.result {
        case .success(let result):
            message(
                "vaewatch: model version \(result.detector.version) in use: threshold \(result.detector.threshold)"
                    + Self.moving(result.detector))
        case .failure(let error):
            message("vaewatch: retrain failed, the current model stays: \(error)")
        }
    }

    /// ` (extreme value, target rate 0.001, moves with the scores)` for a model whose threshold moves; empty
    /// otherwise.
    static func moving(_ detector: Detector) -> String {
        guard let tail = detector.header.thresholdTail else { return "" }
        return " (extreme value, target rate \(tail.rate), moves with the scores)"
    }
}
