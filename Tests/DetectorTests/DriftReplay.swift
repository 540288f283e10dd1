import Compute
import Detector
import VAE

/// Replays records through the online engine the way `vaewatch serve` drives it, on the calling thread: learn a first
/// model from the warm-up records and offer them, scored by it, to the training window; then for every batch score
/// it and hand the verdicts to the engine, and when the engine orders a retrain run it at once and put the new model
/// in use from the next batch on (the daemon retrains in the background and swaps between batches).
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
    /// The engine: the model in use, the window, the schedule.
    private var online: OnlineDetector
    /// Records scored after the warm-up.
    private(set) var scored = 0
    /// Every retrain so far, in order.
    private(set) var retrains: [Retrain] = []
    /// Threads for scoring and training.
    private let pool: ThreadPool

    /// The model in use.
    var detector: Detector { online.detector! }
    /// The training window.
    var window: TrainingWindow { online.window! }

    /// Trains the first model on `warmUp` and offers the warm-up records, scored by it, to the window.
    init(warmUp: RecordBatch, featureNames: [String], settings: Settings) throws {
        self.settings = settings
        pool = ThreadPool(threadCount: settings.threads)
        let first = try Detector.train(
            featureNames: featureNames, on: warmUp, options: settings.options, pool: pool, createdAt: 0
        ).detector
        online = OnlineDetector(
            detector: first, policy: try RetrainPolicy(everyRecords: settings.retrainEvery, startingAt: 0),
            windowCapacity: settings.windowCapacity)
        _ = online.seedWindow(warmUp, verdicts: first.score(warmUp))
    }

    /// Scores `batch` with the model in use, hands it to the engine, and runs the retrain it orders.
    ///
    /// - Returns: the verdicts of `batch`.
    mutating func feed(_ batch: RecordBatch) throws -> Verdicts {
        let verdicts = detector.score(batch, pool: pool)
        scored += batch.count
        guard case .start(let order) = online.scored(batch, verdicts: verdicts, now: 0).retrain else {
            return verdicts
        }
        var options = settings.options
        options.training.epochs = settings.retrainEpochs
        let retrained: Detector
        do {
            retrained = try order.run(options: options, pool: pool, createdAt: 0).detector
        } catch {
            online.finished(nil)
            throw error
        }
        online.finished(retrained)
        retrains.append(
            Retrain(
                afterRecords: scored, version: retrained.version, windowCount: order.window.count,
                inRegimeChange: window.isInRegimeChange, threshold: retrained.threshold))
        return verdicts
    }
}
