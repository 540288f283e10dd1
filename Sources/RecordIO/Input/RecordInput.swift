import Compute

internal import Glibc
internal import SystemIO
import RecordParsing

/// An input of records: a file or stdin, CSV or JSON lines. It reads the header (CSV) or the first object
/// (JSON lines) to resolve the columns, then yields parsed batches.
package final class RecordInput {
    /// What the input is called in messages: its path, or `<stdin>`.
    package let source: String
    /// Its format.
    package let format: RecordFormat
    private let reader: LineReader
    private let descriptor: CInt
    private let ownsDescriptor: Bool
    private let selection: ColumnSelection
    private let modelFeatures: [String]?
    private let strict: Bool
    /// Whether the input is a regular file, read as fast as the disk gives it, rather than a pipe or a terminal
    /// whose lines arrive as they are written.
    package var isRegularFile: Bool { SystemCalls.isRegularFile(descriptor) }
    /// The header line of a CSV input, without its line ending.
    package private(set) var headerLine: [UInt8]?
    /// The parser, once the columns are known.
    package private(set) var parser: RecordParser?
    /// A batch read while looking for the columns, not parsed yet.
    private var pending: LineBatch?
    /// The number of the last line read.
    package private(set) var lastLine = 0
    /// See ``LineReader/whileIdle``: called while the input is idle; returning false ends the input.
    package var whileIdle: (() -> Bool)? {
        get { reader.whileIdle }
        set { reader.whileIdle = newValue }
    }

    /// Opens `path` (nil or `-` for stdin).
    package init(
        path: String?, format: RecordFormat, selection: ColumnSelection, modelFeatures: [String]?, strict: Bool,
        maximumLineBytes: Int, batchDeadline: Double
    ) throws(RecordIOError) {
        if let path, path != "-" {
            do {
                descriptor = try SystemCalls.openForReading(path)
            } catch {
                throw RecordIOError(.input, "cannot open \(path): \(error.message)")
            }
            ownsDescriptor = true
            source = path
        } else {
            descriptor = STDIN_FILENO
            ownsDescriptor = false
            source = "<stdin>"
        }
        self.format = format
        self.selection = selection
        self.modelFeatures = modelFeatures
        self.strict = strict
        reader = LineReader(
            descriptor: descriptor, source: source, maximumLineBytes: maximumLineBytes,
            batchDeadline: batchDeadline, quotedNewlines: format == .csv)
    }

    deinit { if ownsDescriptor { try? SystemCalls.close(descriptor) } }

    /// Reads until the columns are known, reporting to `rejects` the lines found bad before (JSON lines whose
    /// first lines are bad). A CSV input is looked at first (``CSVLookAhead``): its header and the rows already
    /// buffered, never more. An input that ends first has no records: with a model, whose features say the
    /// columns, that is no error and ``parser`` stays nil; without one it throws, as it does when the columns do
    /// not fit the selection or the input cannot be read as it stands (compressed, another delimiter, text).
    package func start(reporting rejects: RejectLog) throws(RecordIOError) {
        var rejected = 0
        while parser == nil {
            let read = try reader.next()
            if let compressed = CompressedInput.refusal(leadingBytes: reader.leadingBytes, source: source) {
                throw compressed
            }
            guard var batch = read else {
                if modelFeatures != nil { return }
                throw RecordIOError(.data, emptyInputMessage(rejected: rejected))
            }
            if let last = batch.lines.last { lastLine = max(lastLine, last.number) }
            if let last = batch.oversize.last { lastLine = max(lastLine, last.number) }
            var found = batch.oversize.map { RecordParser.oversizeReject($0, source: source) }
            batch.oversize = []
            while parser == nil, !batch.lines.isEmpty {
                let line = batch.lines.removeFirst()
                let bytes = batch.bytes(of: line)
                switch format {
                case .csv:
                    guard line.number == 1 else {
                        throw RecordIOError(.data, "\(source):1: the header line is too long")
                    }
                    let names = try CSVLineParser.header(bytes, source: source)
                    headerLine = Array(bytes)
                    let lookAhead = CSVLookAhead(
                        header: names, lines: reader.bufferedLines(limit: CSVLookAhead.rowLimit))
                    if let problem = lookAhead.shapeProblem(source: source, modelFeatures: modelFeatures) {
                        throw problem
                    }
                    let plan = try ColumnPlan.resolve(
                        inputNames: names, selection: selection, modelFeatures: modelFeatures, source: source)
                    if let problem = lookAhead.textColumnProblem(
                        plan: plan, source: source, model: modelFeatures != nil)
                    {
                        throw problem
                    }
                    parser = RecordParser(format: .csv, plan: plan, source: source, strict: strict)
                    reader.recordShape = CSVRecordShape(plan: plan)
                case .jsonl:
                    if JSONLineParser.isBlank(bytes) { continue }
                    switch JSONLineParser.keys(of: bytes, source: source, number: line.number) {
                    case .failure(let reject): found.append(reject)
                    case .success(let names):
                        let plan = try ColumnPlan.resolve(
                            inputNames: names, selection: selection, modelFeatures: modelFeatures,
                            source: source)
                        parser = RecordParser(format: .jsonl, plan: plan, source: source, strict: strict)
                        batch.lines.insert(line, at: 0)
                    }
                }
            }
            pending = batch
            rejected += found.count
            try rejects.record(found)
        }
    }

    /// Why an input without a model ended before its columns were known.
    private func emptyInputMessage(rejected: Int) -> String {
        switch format {
        case .csv: "\(source): the input is empty; CSV input needs a header line of column names"
        case .jsonl where rejected > 0:
            "\(source): no line is a JSON object to take the columns from: \(Counted.text(rejected, "line")) "
                + "rejected, as shown above"
        case .jsonl: "\(source): the input has no JSON object to take the columns from"
        }
    }

    /// The next batch of parsed records with the bytes behind them (valid until the next call), or nil at the
    /// end of input. Call ``start()`` first.
    package func next(pool: ThreadPool?) throws(RecordIOError) -> (ParsedLines, LineBatch)? {
        guard let parser else { preconditionFailure("RecordInput.next() before start()") }
        let batch: LineBatch
        if let pending {
            batch = pending
            self.pending = nil
        } else {
            guard let read = try reader.next() else { return nil }
            batch = read
        }
        if let last = batch.lines.last { lastLine = max(lastLine, last.number) }
        if let last = batch.oversize.last { lastLine = max(lastLine, last.number) }
        return (parser.parse(batch, pool: pool), batch)
    }
}
