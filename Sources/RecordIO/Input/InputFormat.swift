import RecordParsing

/// The text formats vaewatch reads and writes.
package enum RecordFormat: String, Sendable, CaseIterable {
    /// Comma-separated values with a header line (RFC 4180).
    case csv
    /// JSON lines: one object per line.
    case jsonl
}
