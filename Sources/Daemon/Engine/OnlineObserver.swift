import Detector
import VAE

/// Who hears what an ``OnlineEngine`` does: `vaewatch score` writes lines to stderr (``StreamMessages``); the daemon
/// (``DaemonContext``) updates its status, logs, checkpoints and stores models in the registry. An observer reports;
/// it never steers the stream, except that ``retrainEpoch()`` may stop a retrain (the daemon stopping).
protocol OnlineObserver: Sendable {
    /// A batch was scored: the engine's account of it, the rejects its input had, the model version in use now, and
    /// how long the batch took (PostgreSQL: its transaction; stdin: scoring and writing it).
    func scored(_ step: OnlineStep, rejected: Int, inUse: Detector, took: Duration)
    /// Warm-up learned the first model from `records` records in `duration`.
    func learned(_ result: DetectorTrainingResult, records: Int, duration: Duration)
    /// A retrain starts.
    func retrainStarted(_ order: RetrainOrder)
    /// A retrain was due with an empty training window: skipped, and the schedule starts over.
    func retrainSkipped(_ reason: RetrainReason)
    /// Asked after every epoch of a retrain, on its thread.
    func retrainEpoch() -> TrainingControl
    /// The model a finished retrain puts in use: `result`'s, or the same numbered as the registry stored it; nil
    /// drops it (the daemon stopping, or a registry that cannot store it). On the retrain's thread.
    func adopt(_ result: DetectorTrainingResult, from order: RetrainOrder) -> Detector?
    /// A retrain ended, on its thread, after the engine put `adopted` in use (nil: it kept the model in use).
    func retrained(_ outcome: RetrainOutcome, adopted: Detector?)
}
