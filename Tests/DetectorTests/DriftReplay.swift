import Compute
import Detector
import VAE

/// Replays records through a detector the way `vaewatch serve` runs it, on the calling thread: learn a first
/// model from the warm-up records, score them and offer them to the training window; then for every batch score
/// it, offer it to the window, count it, and when the schedule says so retrain on the window's snapshot and use the
/// new model from the next batch on (the daemon retrains in the background and swaps between batches).
struct DriftReplay {
    /// Settings of a replay, as a daemon's configuration would give them.
    struct Settings {
        /// Network, training and threshold of the warm-up model.
        var options: DetectorOptions
        /// Epochs of every retrain (a retrain warm-starts, so it needs fewer than the first training).
        var retrainEpochs = 20
        /// Records the training window holds.
        var windowCapacity = 5_000
        /// Records scored between two retrains.
        var retrainEvery = 2_000
        /// Whether a retrain refits the scaler on the window.
        var refitsScaler = true
        /// The window's admission rules.
        var admission = AdmissionPolicy()
        /// Threads of the training pool.
        var threads = 2
    }

    /// One retrain, for the figures.
    struct Retrain {
        /// Records scored before it (warm-up excluded).
        var afterRecords: Int
        /// Version of the model it made.
        var version: Int
        /// Records it trained on.
        var windowCount: Int
        /// Whether the window was in a regime change when it started.
        var inRegimeChange: Bool
        /// The new model's threshold.
        var threshold: Float
    }

    /// The settings in use.
    let settings: Settings
    /// The model in use.
    private(set) var detector: Detector
    /// The training window.
    private(set) var window: TrainingWindow
    /// Records scored after the warm-up.
    private(set) var scored = 0
    /// Every retrain so far, in order.
    private(set) var retrains: [Retrain] = []
    /// When the next retrain is due, by records scored.
    private var schedule: RetrainPolicy
    /// Threads for scoring and training.
    private let pool: ThreadPool

    /// Trains the first model on `warmUp` and offers the warm-up records, scored by it, to the window.
    init(warmUp: RecordBatch, featureNames: [String], settings: Settings) throws {
        self.settings = settings
        pool = ThreadPool(threadCount: settings.threads)
        detector = try Detector.train(
            featureNames: featureNames, on: warmUp, options: settings.options, pool: pool, createdAt: 0
        ).detector
        window = TrainingWindow(
            capacity: settings.windowCapacity, width: featureNames.count, policy: settings.admission)
        window.offer(warmUp, verdicts: detector.score(warmUp))
        schedule = try RetrainPolicy(everyRecords: settings.retrainEvery, startingAt: 0)
    }

    /// Scores `batch` with the model in use, offers it to the window, and retrains when due.
    ///
    /// - Returns: the verdicts of `batch`.
    mutating func feed(_ batch: RecordBatch) throws -> Verdicts {
        let verdicts = detector.score(batch, pool: pool)
        window.offer(batch, verdicts: verdicts)
        scored += batch.count
        schedule.recordsScored(batch.count)
        if schedule.isDue(now: 0) {
            try retrain()
            schedule.retrained(at: 0)
        }
        return verdicts
    }

    /// Retrains on the window's snapshot and puts the new model in use.
    private mutating func retrain() throws {
        var options = settings.options
        options.training.epochs = settings.retrainEpochs
        let snapshot = window.snapshot()
        detector = try detector.retrained(
            on: snapshot, options: options, pool: pool, createdAt: 0, refitsScaler: settings.refitsScaler
        ).detector
        retrains.append(
            Retrain(
                afterRecords: scored, version: detector.version, windowCount: snapshot.count,
                inRegimeChange: window.isInRegimeChange, threshold: detector.threshold))
    }
}
