import RecordParsing

/// A file written by `vaewatch score`, read back for a report: its records' verdicts, in file order.
package struct ScoredFile: Sendable {
    /// The file's name in messages: its path, or `<stdin>`.
    package let source: String
    /// The format it was read as.
    package let format: RecordFormat
    /// The verdicts, in file order (the last ones only, when the reader was given a limit).
    package let records: [ScoredFileRecord]
    /// Records in the whole file, which is more than ``records`` holds when the reader kept only the last ones.
    package let totalRecords: Int

    /// Whether the format carries feature shares: JSON lines do (`vaewatch.top`), CSV does not.
    package var hasFeatureShares: Bool { format == .jsonl }

    /// Creates a file's contents.
    package init(source: String, format: RecordFormat, records: [ScoredFileRecord], totalRecords: Int) {
        self.source = source
        self.format = format
        self.records = records
        self.totalRecords = totalRecords
    }
}
