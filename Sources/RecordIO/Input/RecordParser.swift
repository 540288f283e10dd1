import Compute
import RecordParsing

/// Turns batches of lines into rows of features, in parallel on a ``ThreadPool``: each worker parses a
/// contiguous run of lines, then the accepted rows are packed together in input order.
package struct RecordParser: Sendable {
    /// The input's name in rejects.
    package let source: String
    /// How columns map to features.
    package let plan: ColumnPlan
    private let format: RecordFormat
    private let strict: Bool

    /// Creates a parser for an input whose columns were resolved into `plan`.
    package init(format: RecordFormat, plan: ColumnPlan, source: String, strict: Bool) {
        self.format = format
        self.plan = plan
        self.source = source
        self.strict = strict
    }

    /// Lines below this many are parsed on the calling thread.
    static let parallelThreshold = 256

    /// Parses every line of `batch`.
    package func parse(_ batch: LineBatch, pool: ThreadPool?) -> ParsedLines {
        let lines = batch.lines
        let n = lines.count
        let d = plan.featureNames.count
        let hasKey = plan.keyColumn != nil
        // [n]: each line's time, when the plan has a time column.
        var times = [Double](repeating: 0, count: plan.timeColumnName == nil ? 0 : n)
        let status = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, n))
        defer { status.deallocate() }
        let workers = n >= Self.parallelThreshold ? pool?.threadCount ?? 1 : 1
        let results = WorkerResults(count: workers)
        let csv = CSVLineParser(source: source, plan: plan)
        let json = JSONLineParser(source: source, plan: plan, strict: strict)
        // The rows are written straight into the arrays the batch hands on: row i of the lines at row i, rows of
        // bad and blank lines squeezed out afterwards.
        var observed: [Float] = []
        var features = [Float](unsafeUninitializedCapacity: n * d) { featureBuffer, initialized in
            observed = [Float](unsafeUninitializedCapacity: n * d) { maskBuffer, initializedMask in
                times.withUnsafeMutableBufferPointer { timeBuffer in
                    let (features, observed) = (featureBuffer, maskBuffer)
                    let time = timeBuffer.isEmpty ? nil : timeBuffer.baseAddress
                    let work: (Range<Int>, Int) -> Void = { chunks, _ in
                        for chunk in chunks {
                            var part = WorkerResult()
                            for i in ThreadPool.chunk(chunk, of: workers, count: n) {
                                let line = batch.bytes(of: lines[i])
                                var key: String?
                                let row = features.baseAddress! + i * d
                                let mask = observed.baseAddress! + i * d
                                let at = time.map { $0 + i }
                                let outcome =
                                    format == .csv
                                    ? csv.parse(
                                        line, number: lines[i].number, features: row, observed: mask, key: &key,
                                        time: at)
                                    : json.parse(
                                        line, number: lines[i].number, features: row, observed: mask, key: &key,
                                        time: at)
                                switch outcome {
                                case .record(let missing):
                                    status[i] = 0
                                    part.missing += missing
                                    // Keys are made here, in parallel: a line number becomes a string only once.
                                    part.keys.append(hasKey ? key ?? "" : String(lines[i].number))
                                case .empty:
                                    row.update(repeating: 0, count: d)
                                    mask.update(repeating: 0, count: d)
                                    status[i] = 1
                                case .reject(let reject):
                                    row.update(repeating: 0, count: d)
                                    mask.update(repeating: 0, count: d)
                                    status[i] = 2
                                    part.rejects.append(reject)
                                }
                            }
                            results.parts[chunk] = part
                        }
                    }
                    if workers > 1, let pool {
                        pool.parallelFor(workers, work)
                    } else {
                        work(0..<1, 0)
                    }
                }
                initializedMask = n * d
            }
            initialized = n * d
        }
        return pack(
            batch, features: &features, observed: &observed, times: &times, status: status, results: results)
    }

    /// Packs the accepted rows together, in input order.
    private func pack(
        _ batch: LineBatch, features: inout [Float], observed: inout [Float], times: inout [Double],
        status: UnsafeMutableBufferPointer<Int32>, results: WorkerResults
    ) -> ParsedLines {
        let d = plan.featureNames.count
        let lines = batch.lines
        var spans: [LineSpan] = []
        spans.reserveCapacity(lines.count)
        var outcomes: [(line: Int, rejected: Bool)] = []
        outcomes.reserveCapacity(lines.count + batch.oversize.count)
        var emptyLines = 0
        var rows = 0
        for i in lines.indices {
            switch status[i] {
            case 0:
                if rows != i {
                    for j in 0..<d {
                        features[rows * d + j] = features[i * d + j]
                        observed[rows * d + j] = observed[i * d + j]
                    }
                    if !times.isEmpty { times[rows] = times[i] }
                }
                spans.append(lines[i])
                outcomes.append((lines[i].number, false))
                rows += 1
            case 1: emptyLines += 1
            default: outcomes.append((lines[i].number, true))
            }
        }
        var rejects = results.parts.flatMap(\.rejects)
        if !batch.oversize.isEmpty {
            for line in batch.oversize {
                rejects.append(Self.oversizeReject(line, source: source))
                outcomes.append((line.number, true))
            }
            rejects.sort { $0.line < $1.line }
            outcomes.sort { $0.line < $1.line }
        }
        let keys = results.parts.flatMap(\.keys)
        features.removeLast(features.count - rows * d)
        observed.removeLast(observed.count - rows * d)
        if !times.isEmpty { times.removeLast(times.count - rows) }
        return ParsedLines(
            features: features, observed: observed,
            missingValues: results.parts.reduce(0) { $0 + $1.missing }, keys: keys,
            times: plan.timeColumnName == nil ? nil : times, spans: spans, rejects: rejects, emptyLines: emptyLines,
            outcomes: outcomes)
    }

    /// The reject of a line dropped for length.
    static func oversizeReject(_ line: OversizeLine, source: String) -> Reject {
        let reason =
            line.unclosedQuote
            ? "a quoted field is not closed within \(line.bytes) bytes; the line was dropped"
            : "the line has \(line.bytes) bytes or more, over the limit; it was dropped (raise --max-line-bytes "
                + "if such lines are real)"
        return Reject(source: source, line: line.number, reason: reason)
    }
}

/// What one parse worker found.
private struct WorkerResult {
    var missing = 0
    var keys: [String] = []
    var rejects: [Reject] = []
}

/// One slot per worker, each written by its worker only: worker `w` writes `parts[w]` alone, through a pointer
/// (no shared array buffer is mutated), and the caller reads the slots only after `parallelFor` returns.
private final class WorkerResults {
    let parts: UnsafeMutableBufferPointer<WorkerResult>
    init(count: Int) { parts = .allocate(capacity: count); parts.initialize(repeating: WorkerResult()) }
    deinit {
        parts.deinitialize()
        parts.deallocate()
    }
}
