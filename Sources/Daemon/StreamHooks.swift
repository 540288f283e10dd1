import Detector

/// How `vaewatch serve` steers a ``StreamScorer``: the model comes from the daemon's slot, scored batches feed
/// its training window and counters, and an idle or stopping daemon is asked whether to go on.
public struct StreamHooks: Sendable {
    /// The model to score the next batch with, read before each batch (a retrain elsewhere swaps it); nil keeps
    /// the scorer's own.
    public var model: (@Sendable () -> Detector?)?
    /// Receives the model warm-up training produced.
    public var learned: (@Sendable (DetectorTrainingResult) -> Void)?
    /// Moves the threshold of the model in `model`'s slot, given the scores that count (not those of the records
    /// warm-up learned from) and the version that scored them; when set, the scorer leaves its own copy of the
    /// model alone and takes the moved one from `model` before the next batch. Called only for a model whose
    /// threshold moves (peaks over threshold).
    public var moveThreshold: (@Sendable ([Float], Int) -> Void)?
    /// Receives each scored batch, its verdicts, and the rejects counted so far.
    public var scored: (@Sendable (RecordBatch, Verdicts, Int) -> Void)?
    /// Asked between batches and about every 250 ms while the input is idle; false ends the run as if the input
    /// had ended (what was read is still scored and written).
    public var shouldContinue: (@Sendable () -> Bool)?

    /// No hooks: the scorer trains, retrains and runs on its own.
    public init() {}
}
