import Detector
import RecordIO
import RecordParsing

/// How `vaewatch score` reads, scores, writes and learns.
package struct StreamOptions: Sendable {
    /// The input file; nil or `-` for stdin.
    package var input: String?
    /// The input's format.
    package var inputFormat: RecordFormat = .csv
    /// The output's format; nil means the input's.
    package var outputFormat: RecordFormat?
    /// Which columns are features, key, or ignored.
    package var columns = ColumnSelection()
    /// Write only the records flagged as anomalies.
    package var onlyAnomalies = false
    /// Without a model: records to learn from before scoring starts (all of them if the input is shorter).
    package var warmup = 2000
    /// Retrain in the background after this many records scored; nil = never (then a file scored twice gives
    /// the same verdicts).
    package var retrainEvery: Int?
    /// Most recent normal records kept for retraining.
    package var windowCapacity = 20_000
    /// Stop at the first bad line instead of rejecting it and going on.
    package var strict = false
    /// A JSON-lines file that receives every reject.
    package var rejectsPath: String?
    /// Longest line accepted, in bytes.
    package var maximumLineBytes = 1 << 20
    /// Seconds a batch waits for more lines after its first arrived: the most a verdict is held back.
    package var batchDeadline = 0.02
    /// The network and training settings of warm-up training and retrains.
    package var detector = DetectorOptions()
    /// Threads of the background retrain (its own pool, beside the scoring pool).
    package var trainingThreads = 1

    /// The defaults above.
    package init() {}
}

/// What a stream run did.
package struct StreamSummary: Sendable {
    /// Records scored and written (or, with `onlyAnomalies`, considered).
    package var records = 0
    /// Records flagged.
    package var anomalies = 0
    /// Lines rejected.
    package var rejects = 0
    /// Blank lines skipped.
    package var emptyLines = 0
    /// Retrains that finished and were swapped in.
    package var retrains = 0
    /// Whether the output's reader went away before the input ended.
    package var outputClosed = false
    /// The model in use at the end (nil when none could be trained).
    package var detector: Detector?
}

/// Why a stream run stopped early.
package enum StreamFailure: Error, CustomStringConvertible, Sendable {
    /// Reading, parsing or writing failed (see the code for the exit status).
    case records(RecordIOError)
    /// Warm-up training failed.
    case training(DetectorError)

    /// What happened and what to do next.
    package var description: String {
        switch self {
        case .records(let error): error.description
        case .training(let error): error.description
        }
    }
}
