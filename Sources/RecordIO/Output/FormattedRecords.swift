import Compute
import RecordParsing

/// A batch of records formatted for output: one buffer per worker, in input order, and where each record ends, so
/// that a reader who goes away partway is told how many records it took.
struct FormattedRecords {
    /// The bytes, one buffer per worker; worker w holds the records of `ThreadPool.chunk(w, of: buffers.count, …)`.
    let buffers: [OutputBuffer]
    /// For each record, the byte count of its worker's buffer just after it: a record left out (`--only-anomalies`)
    /// ends where the one before it does.
    let ends: [Int]

    /// How many records lie whole within the first `bytes` bytes of the buffers, in order: the number of records
    /// before the first one cut off (left-out records before it count as handled).
    func records(within bytes: Int) -> Int {
        var left = bytes
        for (worker, buffer) in buffers.enumerated() {
            let records = ThreadPool.chunk(worker, of: buffers.count, count: ends.count)
            if buffer.count <= left {
                left -= buffer.count
                continue
            }
            return records.first { ends[$0] > left } ?? records.upperBound
        }
        return ends.count
    }
}
