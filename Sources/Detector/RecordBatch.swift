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

    /// Creates a batch; `keys` has one entry per row and `observed`, when given, the shape of `features`.
    public init(keys: [String], features: Matrix, observed: Matrix? = nil) {
        precondition(keys.count == features.rows, "RecordBatch: \(keys.count) keys for \(features.rows) rows")
        if let observed {
            precondition(
                observed.rows == features.rows && observed.cols == features.cols,
                "RecordBatch: observed mask is [\(observed.rows), \(observed.cols)], "
                    + "features are [\(features.rows), \(features.cols)]")
        }
        self.keys = keys
        self.features = features
        self.observed = observed
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
            observed: observed.map { Matrix(rows: rows, cols: d, storage: Array($0.storage.prefix(rows * d))) })
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
            observed: observed.map { Matrix(rows: rows.count, cols: d, storage: gather($0.storage)) })
    }
}
