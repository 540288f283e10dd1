import Compute

/// Records as they come from a source, before scaling: one row per record.
///
/// Values are raw (in the units of the source). A missing value (SQL NULL, an empty CSV field, a JSON `null`)
/// holds 0 in `features` and 0 in `observed`; scoring imputes it with the training mean and leaves it out of
/// the reconstruction error.
public struct RecordBatch: Sendable, Equatable {
    /// One identifier per record (the key column, or a line number), in row order. `[n]`
    public var keys: [String]
    /// Raw feature values. `[n, d]`
    public var features: Matrix
    /// 1 where a value was observed, 0 where it was missing; nil when every value was observed. `[n, d]`
    public var observed: Matrix?
    /// Each record's time, in seconds since 1970-01-01T00:00:00Z, read from the time column of a source that has
    /// one (``TimeContext``); nil without. Every time is finite: a record without one is rejected where it is
    /// read. `[n]`
    public var times: [Double]?

    /// Creates a batch; `keys` and `times` (when given) have one entry per row and `observed`, when given, the
    /// shape of `features`.
    public init(keys: [String], features: Matrix, observed: Matrix? = nil, times: [Double]? = nil) {
        precondition(keys.count == features.rows, "RecordBatch: \(keys.count) keys for \(features.rows) rows")
        if let observed {
            precondition(
                observed.rows == features.rows && observed.cols == features.cols,
                "RecordBatch: observed mask is [\(observed.rows), \(observed.cols)], "
                    + "features are [\(features.rows), \(features.cols)]")
        }
        if let times {
            precondition(times.count == features.rows, "RecordBatch: \(times.count) times for \(features.rows) rows")
        }
        self.keys = keys
        self.features = features
        self.observed = observed
        self.times = times
    }

    /// Number of records, n.
    public var count: Int { features.rows }
    /// Number of features, d.
    public var width: Int { features.cols }
}

extension RecordBatch {
    /// The first `n` records (all of them when there are fewer).
    public func prefix(_ n: Int) -> RecordBatch {
        let rows = min(n, count)
        guard rows < count else { return self }
        let d = width
        return RecordBatch(
            keys: Array(keys.prefix(rows)),
            features: Matrix(rows: rows, cols: d, storage: Array(features.storage.prefix(rows * d))),
            observed: observed.map { Matrix(rows: rows, cols: d, storage: Array($0.storage.prefix(rows * d))) },
            times: times.map { Array($0.prefix(rows)) })
    }

    /// The records at `rows`, in that order.
    public func rows(_ rows: [Int]) -> RecordBatch {
        let d = width
        func gather(_ storage: [Float]) -> [Float] {
            var values: [Float] = []
            values.reserveCapacity(rows.count * d)
            for row in rows { values.append(contentsOf: storage[row * d..<(row + 1) * d]) }
            return values
        }
        return RecordBatch(
            keys: rows.map { keys[$0] }, features: Matrix(rows: rows.count, cols: d, storage: gather(features.storage)),
            observed: observed.map { Matrix(rows: rows.count, cols: d, storage: gather($0.storage)) },
            times: times.map { times in rows.map { times[$0] } })
    }
}
