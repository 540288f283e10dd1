import Detector

/// One record's verdict, as `vaewatch score` wrote it, and where it is in the file.
package struct ScoredFileRecord: Sendable, Equatable {
    /// The 1-based record number: the n-th record of the file (the header and blank lines do not count).
    package var number: Int
    /// The line it starts on, for messages.
    package var line: Int
    /// The verdict (top features and model version in JSON lines only).
    package var verdict: ScoredRecord

    /// Creates a record.
    package init(number: Int, line: Int, verdict: ScoredRecord) {
        self.number = number
        self.line = line
        self.verdict = verdict
    }
}
