import Compute
import Detector

/// A row the source could not score, with the reason (it goes to the dead letters, stage `input`).
package struct RejectedRow: Sendable, Equatable {
    /// The row's key.
    package let key: String
    /// Why, for example `column cpu: value is not finite (NaN)`.
    package let reason: String
}

/// What one claim from a source returned: the records to score, the rows that cannot be scored, and the
/// position to advance past once their verdicts are written.
package struct SourceBatch: Sendable {
    /// The records to score, keys unique within the batch.
    package var records: RecordBatch
    /// Rows with a value that cannot be scored.
    package var rejected: [RejectedRow]
    /// Watermark mode: the largest key paged, stored in the transaction that writes the verdicts.
    var lastKey: String?
    /// Watermark mode: rows read after the watermark (the rest were late rows swept up below it).
    var paged = 0
    /// Rows the claim returned, including duplicates, rejected rows and rows deleted from the source since.
    package private(set) var claimed: Int
    /// Queue mode: seconds each record (row for row with ``records``) had waited in the queue when it was claimed,
    /// by the server's clock; empty in watermark mode.
    package private(set) var queuedSeconds: [Double] = []

    /// Nothing was claimed.
    package var isEmpty: Bool { claimed == 0 }

    /// Builds a batch from claimed rows: `keyColumn` holds the key as text, the `width` feature columns start at
    /// `firstFeature` and are binary `float8`, and with a `timeColumn` the row's time follows them (seconds since
    /// 1970, `float8`; a row without a finite one is rejected). When `absence` names a column, a row whose text there
    /// is not NULL has no source row to score: it is rejected with `absence.reason(text, key)`. `queuedColumn` names a
    /// binary `float8` column of seconds each row had been queued (``queuedSeconds``).
    init(
        result: QueryResult, keyColumn: Int, firstFeature: Int, columns: [String], timeColumn: String? = nil,
        absence: (column: Int, reason: (String, String) -> String)? = nil, queuedColumn: Int? = nil
    ) {
        let n = result.rowCount
        let width = columns.count
        var keys: [String] = []
        keys.reserveCapacity(n)
        var seen = Set<String>(minimumCapacity: n)
        var values = [Float](repeating: 0, count: n * width)
        var observed: [Float]? = nil
        var times: [Double] = []
        var rejected: [RejectedRow] = []
        var queued: [Double] = []
        if queuedColumn != nil { queued.reserveCapacity(n) }
        var kept = 0
        rows: for row in 0..<n {
            guard let key = result.text(row, keyColumn), seen.insert(key).inserted else { continue }
            if let absence, let code = result.text(row, absence.column) {
                rejected.append(RejectedRow(key: key, reason: absence.reason(code, key)))
                continue
            }
            if let timeColumn {
                guard let time = result.double(row, firstFeature + width), time.isFinite else {
                    let what = result.double(row, firstFeature + width).map { "\($0)" } ?? "NULL"
                    rejected.append(
                        RejectedRow(
                            key: key,
                            reason: "column \(timeColumn): no time (\(what)); every row needs its time, whose time of "
                                + "day and day of week are inputs of the model"))
                    continue
                }
                times.append(time)
            }
            let base = kept * width
            for column in 0..<width {
                guard let value = result.double(row, firstFeature + column) else {
                    if observed == nil { observed = [Float](repeating: 1, count: n * width) }
                    observed![base + column] = 0
                    values[base + column] = 0
                    continue
                }
                let single = Float(value)
                guard single.isFinite else {
                    let what =
                        value.isFinite ? "\(value) is beyond the float32 range" : "value is not finite (\(value))"
                    rejected.append(RejectedRow(key: key, reason: "column \(columns[column]): \(what)"))
                    if observed != nil { for c in 0..<width { observed![base + c] = 1 } }
                    if timeColumn != nil { times.removeLast() }
                    continue rows
                }
                values[base + column] = single
            }
            keys.append(key)
            if let queuedColumn { queued.append(result.double(row, queuedColumn) ?? 0) }
            kept += 1
        }
        values.removeLast((n - kept) * width)
        observed?.removeLast((n - kept) * width)
        records = RecordBatch(
            keys: keys, features: Matrix(rows: kept, cols: width, storage: values),
            observed: observed.map { Matrix(rows: kept, cols: width, storage: $0) },
            times: timeColumn == nil ? nil : times)
        self.rejected = rejected
        queuedSeconds = queued
        claimed = n
    }
}
