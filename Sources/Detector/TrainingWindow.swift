import Compute

/// A bounded buffer of the most recent records judged normal: the data of the next incremental retrain.
///
/// Records flagged as anomalies are kept out, so an attack does not teach the model that it is normal. When
/// the window is full the oldest record makes room for the newest. Storage is flat (values, mask, keys) and grows
/// with the records up to `capacity` rows, so a window that never fills never costs its full size; once full,
/// offering records copies values into the oldest slots and allocates nothing.
public struct TrainingWindow: Sendable {
    /// Most records held.
    public let capacity: Int
    /// Features per record.
    public let width: Int
    /// Records offered so far, accepted or not.
    public private(set) var totalOffered = 0
    /// Records accepted so far, including those since evicted.
    public private(set) var totalAccepted = 0

    /// Raw values, row `slot` at `slot * width`. `[min(totalAccepted, capacity), width]`
    private var features: [Float] = []
    /// 1 where observed, 0 where missing, laid out like `features`.
    private var observed: [Float] = []
    /// Each slot's key.
    private var keys: [String] = []
    /// Whether each slot has a missing value.
    private var hasMissing: [Bool] = []
    /// Slots that have a missing value.
    private var rowsWithMissing = 0
    /// Slot of the oldest record; 0 until the window is full.
    private var oldest = 0

    /// An empty window for records of `width` features.
    public init(capacity: Int, width: Int) {
        precondition(capacity >= 1, "TrainingWindow: capacity is \(capacity); it must be at least 1")
        precondition(width >= 1, "TrainingWindow: width is \(width); it must be at least 1")
        self.capacity = capacity
        self.width = width
    }

    /// Records held, at most ``capacity``.
    public var count: Int { keys.count }

    /// Offers scored records; only those with `verdicts.isAnomaly == false` are kept.
    public mutating func offer(_ batch: RecordBatch, verdicts: Verdicts) {
        precondition(verdicts.count == batch.count, "TrainingWindow: \(verdicts.count) verdicts for \(batch.count)")
        offer(batch) { !verdicts.isAnomaly[$0] }
    }

    /// The records held, oldest first, with their original keys; `observed` is nil when none has a missing value.
    public func snapshot() -> RecordBatch {
        let split = oldest * width
        let values = Self.oldestFirst(features, split: split)  // [count, width]
        let mask = rowsWithMissing > 0 ? Self.oldestFirst(observed, split: split) : nil  // [count, width]
        return RecordBatch(
            keys: Self.oldestFirst(keys, split: oldest),
            features: Matrix(rows: count, cols: width, storage: values),
            observed: mask.map { Matrix(rows: count, cols: width, storage: $0) })
    }

    /// `array[split...]` followed by `array[..<split]`.
    private static func oldestFirst<Element>(_ array: [Element], split: Int) -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(array.count)
        result.append(contentsOf: array[split...])
        result.append(contentsOf: array[..<split])
        return result
    }

    private mutating func offer(_ batch: RecordBatch, accept: (Int) -> Bool) {
        precondition(batch.width == width, "TrainingWindow: batch has \(batch.width) features, the window \(width)")
        totalOffered += batch.count
        batch.features.withUnsafeBufferPointer { values in
            batch.withObservedBuffer { mask in
                for i in 0..<batch.count where accept(i) {
                    append(key: batch.keys[i], values: values, mask: mask, row: i)
                }
            }
        }
    }

    /// Stores row `row` of `values` (and `mask`) in the next slot, evicting the oldest record when full.
    private mutating func append(
        key: String, values: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<Float>?, row: Int
    ) {
        totalAccepted += 1
        let source = row * width..<(row + 1) * width
        let missing = mask.map { mask in source.contains { mask[$0] == 0 } } ?? false
        if missing { rowsWithMissing += 1 }
        guard count == capacity else {
            features.append(contentsOf: values[source])
            if let mask {
                observed.append(contentsOf: mask[source])
            } else {
                observed.append(contentsOf: repeatElement(1, count: width))
            }
            keys.append(key)
            hasMissing.append(missing)
            return
        }
        let slot = oldest
        oldest = (oldest + 1) % capacity
        if hasMissing[slot] { rowsWithMissing -= 1 }
        hasMissing[slot] = missing
        keys[slot] = key
        let target = slot * width
        for j in 0..<width {
            features[target + j] = values[source.lowerBound + j]
            observed[target + j] = mask?[source.lowerBound + j] ?? 1
        }
    }
}
