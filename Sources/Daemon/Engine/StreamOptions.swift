import Detector
import RecordIO
import RecordParsing

/// How `vaewatch score` reads, scores, writes and learns.
public struct StreamOptions: Sendable {
    /// The input file; nil or `-` for stdin.
    public var input: String?
    /// The input's format.
    public var inputFormat: RecordFormat = .csv
    /// The output's format; nil means the input's.
    public var outputFormat: RecordFormat?
    /// Which columns are features, key, or ignored.
    public var columns = ColumnSelection()
    /// Write only the records flagged as anomalies.
    public var onlyAnomalies = false
    /// Without a model: records to learn from before scoring starts (all of them if the input is shorter).
    public var warmup = 2000
    /// Retrain in the background after this many records scored; nil = never (then a file scored twice gives
    /// the same verdicts).
    public var retrainEvery: Int?
    /// Most recent normal records kept for retraining.
    public var windowCapacity = 20_000
    /// Stop at the first bad line instead of rejecting it and going on.
    public var strict = false
    /// A JSON-lines file that receives every reject.
    public var rejectsPath: String?
    /// Longest line accepted, in bytes.
    public var maximumLineBytes = 1 << 20
    /// Seconds a batch waits for more lines after its first arrived: the most a verdict is held back.
    public var batchDeadline = 0.02
    /// The network and training settings of warm-up training and retrains.
    public var detector = DetectorOptions()
    /// Threads of the background retrain (its own pool, beside the scoring pool).
    public var trainingThreads = 1

    /// The defaults above.
    public init() {}
}

/// What a stream run did.
public struct StreamSummary: Sendable {
    /// Records scored and written (or, with `onlyAnomalies`, considered).
    public var records = 0
    /// Records flagged.
    public var anomalies = 0
    /// Lines rejected.
    public var rejects = 0
    /// Blank lines skipped.
    public var emptyLines = 0
    /// Retrains that finished and were swapped in.
    public var retrains = 0
    /// Whether the output's reader went away before the input ended.
    public var outputClosed = false
    /// The model in use at the end (nil when none could be trained).
    public var detector: Detector?
}

/// Why a stream run stopped early.
public enum StreamFailure: Error, CustomStringConvertible, Sendable {
    /// Reading, parsing or writing failed (see the code for the exit status).
    case records(RecordIOError)
    /// Warm-up training failed.
    case training(DetectorError)

    /// What happened and what to do next.
    public var description: String {
        switch self {
        case .records(let error): error.description
        case .training(let error): error.description
        }
    }
}
