/// The records the first model learned from at warm-up that the input has still to give for scoring. Their verdicts
/// are written like any other, but they are not new: their scores do not move the extreme-value threshold a second
/// time (its tail was fitted on them), and they do not count toward `training.every_records`.
///
/// stdin mode learns from the first records of the stream and scores them next, in order, so a count is enough.
/// PostgreSQL mode learns from the table's most recent rows, which the source gives later, in batches of its own
/// choosing (queue order, watermark order, several workers), so it keeps their keys.
public struct WarmUpRecords: Sendable, Equatable {
    /// The next records scored that were learned from (stdin).
    private var leading = 0
    /// The keys of the rows learned from, not yet scored (PostgreSQL).
    private var keys: Set<String> = []

    /// No records are pending: every record scored is new.
    public init() {}

    /// The next `count` records scored, in order, are the ones learned from.
    public static func leading(_ count: Int) -> WarmUpRecords {
        var records = WarmUpRecords()
        records.leading = max(0, count)
        return records
    }

    /// The rows with these keys were learned from, whenever they come.
    public static func keys(_ keys: some Sequence<String>) -> WarmUpRecords {
        var records = WarmUpRecords()
        records.keys = Set(keys)
        return records
    }

    /// Records learned from and not yet scored.
    public var pending: Int { leading + keys.count }

    /// Takes a scored batch (its keys in scoring order) and says, record by record, whether it is new: false for
    /// one the first model learned from, which is then forgotten, so that a second verdict for the same key (a
    /// backfill) counts as new.
    public mutating func newRecords(among batchKeys: [String]) -> [Bool] {
        var isNew = [Bool](repeating: true, count: batchKeys.count)
        let learned = min(leading, batchKeys.count)
        for index in 0..<learned { isNew[index] = false }
        leading -= learned
        if !keys.isEmpty {
            for (index, key) in batchKeys.enumerated() where keys.remove(key) != nil { isNew[index] = false }
        }
        return isNew
    }
}
