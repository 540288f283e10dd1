import Compute
import RecordIO

/// Rows per second of reading and parsing `path` (CSV) on `pool`, without scoring or writing.
func parseRun(path: String, pool: ThreadPool) throws -> Double {
    let start = now()
    let input = try RecordInput(
        path: path, format: .csv, selection: ColumnSelection(), modelFeatures: nil, strict: false,
        maximumLineBytes: 1 << 20, batchDeadline: 0.02)
    _ = try input.start()
    var rows = 0
    while let (parsed, _) = try input.next(pool: pool) { rows += parsed.count }
    return Double(rows) / (now() - start)
}
