import Compute
import Detector
import Glibc
import Testing

@testable import RecordIO
@testable import RecordParsing

/// Helpers shared by the RecordIO tests: pipes feeding a ``LineReader``, column plans, single lines through
/// the CSV and JSON-lines parsers, batches made of literal text, and hand-made verdicts.
enum RecordIOFixtures {
    /// The source name every test parser reports.
    static let source = "test.in"

    /// A new pipe. SIGPIPE is ignored, so that a test whose reader stops early fails instead of dying.
    static func pipe() throws -> (read: CInt, write: CInt) {
        signal(SIGPIPE, SIG_IGN)
        var ends: [CInt] = [0, 0]
        try #require(Glibc.pipe(&ends) == 0, "pipe: errno \(errno)")
        // Close-on-exec, so that a child process that another test starts does not keep an end open.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// Writes all of `bytes` to `descriptor`; false when a write fails.
    @discardableResult
    static func writeAll(_ descriptor: CInt, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }

    /// Reads all of `input` with a ``LineReader``; the input is written and the pipe closed before reading, so
    /// it must fit in a pipe's buffer (64 KiB).
    static func readLines(
        _ input: [UInt8], maximumLineBytes: Int = 1 << 20, blockBytes: Int = 1 << 16, quotedNewlines: Bool = false
    ) throws -> RecordIOReadLines {
        let (readEnd, writeEnd) = try pipe()
        defer { close(readEnd) }
        let written = writeAll(writeEnd, input)
        close(writeEnd)
        try #require(written, "the test input does not fit in the pipe")
        return try readLines(
            from: readEnd, maximumLineBytes: maximumLineBytes, blockBytes: blockBytes, quotedNewlines: quotedNewlines)
    }

    /// Reads the lines that `writer` writes to a pipe from a thread of its own (it must not close the pipe).
    static func readLines(
        maximumLineBytes: Int = 1 << 20, blockBytes: Int = 1 << 16, quotedNewlines: Bool = false,
        batchDeadline: Double = 0.02, writer: @escaping @Sendable (CInt) -> Void
    ) throws -> RecordIOReadLines {
        let (readEnd, writeEnd) = try pipe()
        defer { close(readEnd) }
        let thread = BackgroundThread {
            writer(writeEnd)
            close(writeEnd)
        }
        defer { thread.join() }
        return try readLines(
            from: readEnd, maximumLineBytes: maximumLineBytes, blockBytes: blockBytes, quotedNewlines: quotedNewlines,
            batchDeadline: batchDeadline)
    }

    /// Reads `descriptor` to its end.
    static func readLines(
        from descriptor: CInt, maximumLineBytes: Int, blockBytes: Int, quotedNewlines: Bool,
        batchDeadline: Double = 0.02
    ) throws -> RecordIOReadLines {
        let reader = LineReader(
            descriptor: descriptor, source: source, maximumLineBytes: maximumLineBytes, blockBytes: blockBytes,
            batchDeadline: batchDeadline, quotedNewlines: quotedNewlines)
        var result = RecordIOReadLines()
        while let batch = try reader.next() {
            result.batches += 1
            for span in batch.lines {
                result.lines.append(RecordIOReadLines.Line(number: span.number, bytes: Array(batch.bytes(of: span))))
            }
            result.oversize += batch.oversize
        }
        return result
    }

    /// The plan of an input with these columns and options, without a model.
    static func plan(
        _ names: [String], columns: [String]? = nil, key: String? = nil, ignored: [String] = [],
        modelFeatures: [String]? = nil, time: String? = nil
    ) throws -> ColumnPlan {
        try ColumnPlan.resolve(
            inputNames: names, selection: ColumnSelection(features: columns, key: key, ignored: ignored, time: time),
            modelFeatures: modelFeatures, source: source)
    }

    /// The error that resolving these columns throws, or nil.
    static func planError(
        _ names: [String], columns: [String]? = nil, key: String? = nil, ignored: [String] = [],
        modelFeatures: [String]? = nil, time: String? = nil
    ) -> RecordIOError? {
        do {
            _ = try plan(names, columns: columns, key: key, ignored: ignored, modelFeatures: modelFeatures, time: time)
            return nil
        } catch let error as RecordIOError {
            return error
        } catch {
            return RecordIOError(.usage, "unexpected error \(error)")
        }
    }

    /// `line` parsed as a CSV record.
    static func csv(_ line: String, plan: ColumnPlan, number: Int = 2) -> RecordIOParsedLine {
        csv(Array(line.utf8), plan: plan, number: number)
    }

    /// `bytes` parsed as a CSV record.
    static func csv(_ bytes: [UInt8], plan: ColumnPlan, number: Int = 2) -> RecordIOParsedLine {
        let parser = CSVLineParser(source: source, plan: plan)
        return parse(bytes, width: plan.featureNames.count) {
            parser.parse($0, number: number, features: $1, observed: $2, key: &$3, time: $4)
        }
    }

    /// `line` parsed as a JSON-lines record.
    static func json(_ line: String, plan: ColumnPlan, strict: Bool = false, number: Int = 2) -> RecordIOParsedLine {
        json(Array(line.utf8), plan: plan, strict: strict, number: number)
    }

    /// `bytes` parsed as a JSON-lines record.
    static func json(_ bytes: [UInt8], plan: ColumnPlan, strict: Bool = false, number: Int = 2) -> RecordIOParsedLine {
        let parser = JSONLineParser(source: source, plan: plan, strict: strict)
        return parse(bytes, width: plan.featureNames.count) {
            parser.parse($0, number: number, features: $1, observed: $2, key: &$3, time: $4)
        }
    }

    /// Runs one line parser over `bytes` with NaN-filled rows (and time), so that slots it did not write stand out.
    private static func parse(
        _ bytes: [UInt8], width: Int,
        _ body: (
            UnsafeRawBufferPointer, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, inout String?,
            UnsafeMutablePointer<Double>
        ) -> LineOutcome
    ) -> RecordIOParsedLine {
        var features = [Float](repeating: .nan, count: max(1, width))
        var observed = [Float](repeating: .nan, count: max(1, width))
        var key: String?
        var time = Double.nan
        let outcome = bytes.withUnsafeBytes { line in
            features.withUnsafeMutableBufferPointer { f in
                observed.withUnsafeMutableBufferPointer { o in body(line, f.baseAddress!, o.baseAddress!, &key, &time) }
            }
        }
        return RecordIOParsedLine(
            outcome: outcome, features: Array(features.prefix(width)), observed: Array(observed.prefix(width)),
            key: key,
            time: time.isNaN ? nil : time)
    }

    /// Verdicts for `count` records: record `i` scores `1.5 + i`, reconstructs `1 + i`, has KL 0.5 and `i % 3`
    /// missing values, and its top feature is feature 0 with share 0.75; the threshold is 2.75.
    static func verdicts(count: Int, anomalies: Set<Int>, featureNames: [String], modelVersion: Int = 3) -> Verdicts {
        Verdicts(
            score: (0..<count).map { 1.5 + Float($0) }, recon: (0..<count).map { 1 + Float($0) },
            kl: [Float](repeating: 0.5, count: count), isAnomaly: (0..<count).map { anomalies.contains($0) },
            missingCount: (0..<count).map { $0 % 3 },
            topFeatureIndex: (0..<count).flatMap { _ in [Int32(0), -1] },
            topFeatureShare: (0..<count).flatMap { _ in [Float(0.75), 0] }, topCount: 2, threshold: 2.75,
            modelVersion: modelVersion, featureNames: featureNames)
    }
}

/// What a ``LineReader`` handed out over a whole input.
struct RecordIOReadLines {
    /// One line, copied out of its batch.
    struct Line: Equatable, CustomStringConvertible {
        var number: Int
        var bytes: [UInt8]
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var description: String { "\(number):\(text.debugDescription)" }
    }

    var lines: [Line] = []
    var oversize: [OversizeLine] = []
    var batches = 0

    /// The lines' numbers.
    var numbers: [Int] { lines.map { $0.number } }
}

/// One line through a line parser: its outcome, the row it wrote and the key it found.
struct RecordIOParsedLine {
    var outcome: LineOutcome
    var features: [Float]
    var observed: [Float]
    var key: String?
    /// The time the parser wrote (seconds since 1970), nil when it wrote none.
    var time: Double? = nil

    /// The reject, when the line was rejected.
    var reject: Reject? {
        if case .reject(let reject) = outcome { return reject }
        return nil
    }

    /// The count of missing values, when the line is a record.
    var missing: Int? {
        if case .record(let missing) = outcome { return missing }
        return nil
    }

    /// Whether the line was skipped as blank.
    var isEmpty: Bool {
        if case .empty = outcome { return true }
        return false
    }
}

/// Literal text cut into lines at each `\n` (numbered from `firstNumber`), owning the bytes a ``LineBatch``
/// points into.
final class RecordIOLines {
    private let storage: UnsafeMutableRawBufferPointer
    /// The lines as a batch, as a ``LineReader`` would hand them out.
    let batch: LineBatch

    convenience init(_ text: String, firstNumber: Int = 2) {
        self.init(Array(text.utf8), firstNumber: firstNumber)
    }

    init(_ bytes: [UInt8], firstNumber: Int = 2) {
        storage = .allocate(byteCount: max(1, bytes.count), alignment: 16)
        storage.copyBytes(from: bytes)
        var spans: [LineSpan] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            spans.append(LineSpan(offset: start, length: index - start, number: firstNumber + spans.count))
            start = index + 1
        }
        if start < bytes.count {
            spans.append(LineSpan(offset: start, length: bytes.count - start, number: firstNumber + spans.count))
        }
        batch = LineBatch(bytes: UnsafeRawPointer(storage.baseAddress!), lines: spans, oversize: [])
    }

    deinit { storage.deallocate() }
}
