import RecordParsing

/// The records of one ``LineBatch``, parsed: rows for the detector, and the lines behind them for the writer.
package struct ParsedLines: Sendable {
    /// Raw feature values of the accepted lines; missing values are 0. `[rows, d]`
    package var features: [Float]
    /// 1 where observed, 0 where missing. `[rows, d]`
    package var observed: [Float]
    /// Missing values over all rows.
    package var missingValues: Int
    /// The key of each row: the key column, or the line number. `[rows]`
    package var keys: [String]
    /// Each row's time in seconds since 1970, from the time column; nil when the plan has none. `[rows]`
    package var times: [Double]? = nil
    /// Where each accepted line lies in the batch's bytes. `[rows]`
    package var spans: [LineSpan]
    /// Bad lines, in line order.
    package var rejects: [Reject]
    /// Blank lines skipped.
    package var emptyLines: Int
    /// Line numbers of accepted lines and rejects together, each marked bad or good, in input order, for the
    /// reject-storm check.
    package var outcomes: [(line: Int, rejected: Bool)]

    /// Number of accepted records.
    package var count: Int { spans.count }
}
