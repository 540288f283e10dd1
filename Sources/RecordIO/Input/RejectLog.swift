internal import SystemIO
import RecordParsing

/// Reports rejects: the first `messageLimit` on stderr, every one to the rejects file when there is one, and
/// counts them; decides when rejects end the run (`--strict`, or a storm: over half of the last 1,000 lines).
package final class RejectLog {
    /// Rejects so far.
    package private(set) var count = 0
    /// Rejects that could not be written to the rejects file (1 when it could not be opened).
    package private(set) var fileErrors = 0
    private let messageLimit: Int
    private let strict: Bool
    private let file: CInt?
    private let fileName: String?
    private let failOnFileError: Bool
    private var storm = StormWindow()
    private let writeMessage: (String) -> Void

    /// Lines the storm check looks back over.
    package static let stormWindow = 1000

    /// Creates a log.
    ///
    /// - Parameters:
    ///   - rejectsPath: a JSON-lines file that receives every reject (appended); nil for none.
    ///   - failOnFileError: with `--strict`, a reject that cannot be written ends the run; otherwise it is
    ///     counted and reported once.
    ///   - writeMessage: where human-readable lines go (stderr).
    package init(
        messageLimit: Int = 100, strict: Bool, rejectsPath: String?, writeMessage: @escaping (String) -> Void
    ) throws(RecordIOError) {
        self.messageLimit = messageLimit
        self.strict = strict
        self.failOnFileError = strict
        self.writeMessage = writeMessage
        fileName = rejectsPath
        guard let rejectsPath else {
            file = nil
            return
        }
        do {
            file = try SystemCalls.openForAppending(rejectsPath, permissions: 0o644)
        } catch {
            let message = "cannot open the rejects file \(rejectsPath): \(error.message)"
            if strict { throw RecordIOError(.output, message + "; choose a writable path") }
            writeMessage("vaewatch: \(message); scoring goes on, rejects are counted and shown here")
            file = nil
            fileErrors = 1
        }
    }

    deinit { if let file { try? SystemCalls.close(file) } }

    /// Records the outcome of a batch's lines, reports its rejects, and throws when the run must end.
    package func record(_ parsed: ParsedLines) throws(RecordIOError) {
        try report(parsed.rejects)
        for outcome in parsed.outcomes {
            storm.add(rejected: outcome.rejected)
            if storm.count >= StormWindow.minimumLines, storm.isStorm {
                throw stormError(at: outcome.line)
            }
        }
    }

    /// Records rejects found outside a parsed batch (while the input's columns were being found).
    package func record(_ rejects: [Reject]) throws(RecordIOError) {
        try report(rejects)
        for _ in rejects { storm.add(rejected: true) }
    }

    /// Rejects per column whose value was text, to name a text column when rejects pile up.
    private var textRejects: [String: Int] = [:]

    private func report(_ rejects: [Reject]) throws(RecordIOError) {
        for reject in rejects {
            if reject.isText, let column = reject.column { textRejects[column, default: 0] += 1 }
            count += 1
            if count <= messageLimit {
                writeMessage("vaewatch: " + reject.message)
                if count == messageLimit {
                    writeMessage(
                        "vaewatch: \(messageLimit) rejects shown; further ones are counted"
                            + (file != nil ? " and written to \(fileName!)" : " (use --rejects FILE to keep them all)"))
                }
            }
            try writeToFile(reject)
            if strict {
                throw RecordIOError(.data, "stopping at the first bad line (--strict): \(reject.message)")
            }
        }
    }

    /// At the end of input: a storm over the lines seen, however few, also ends the run.
    package func finish(lastLine: Int) throws(RecordIOError) {
        if storm.count > 0, storm.isStorm { throw stormError(at: lastLine) }
    }

    private func stormError(at line: Int) -> RecordIOError {
        var message =
            "too many bad lines: \(storm.rejected) of the last \(storm.count) were rejected (line \(line)); "
        if let (column, count) = textRejects.max(by: { $0.value < $1.value }), count * 2 >= storm.rejected {
            message += TextColumnAdvice.message([column])
        } else {
            message += "is this the right input and format? The first rejects above say what is wrong"
        }
        return RecordIOError(.data, message)
    }

    private func writeToFile(_ reject: Reject) throws(RecordIOError) {
        guard let file else { return }
        let buffer = OutputBuffer(capacity: 256)
        buffer.append("{\"source\":")
        buffer.appendJSONString(reject.source)
        buffer.append(",\"line\":")
        buffer.append(reject.line)
        if let field = reject.field {
            buffer.append(",\"field\":")
            buffer.append(field)
        }
        if let column = reject.column {
            buffer.append(",\"column\":")
            buffer.appendJSONString(column)
        }
        buffer.append(",\"reason\":")
        buffer.appendJSONString(reject.reason)
        buffer.append("}\n")
        do {
            try SystemCalls.writeAll(file, UnsafeRawBufferPointer(start: buffer.bytes, count: buffer.count))
        } catch {
            fileErrors += 1
            let message = "cannot write to the rejects file \(fileName!): \(error.message)"
            if failOnFileError { throw RecordIOError(.output, message) }
            if fileErrors == 1 { writeMessage("vaewatch: \(message); scoring goes on, rejects are still counted") }
        }
    }
}

/// The last ``RejectLog/stormWindow`` line outcomes, as a ring of bits.
struct StormWindow {
    /// The check starts once this many lines were seen, so that one early bad line is not a storm.
    static let minimumLines = 100
    private var bits = [Bool](repeating: false, count: RejectLog.stormWindow)
    private var next = 0
    private(set) var count = 0
    private(set) var rejected = 0

    mutating func add(rejected isRejected: Bool) {
        if count == bits.count {
            if bits[next] { rejected -= 1 }
        } else {
            count += 1
        }
        bits[next] = isRejected
        if isRejected { rejected += 1 }
        next = (next + 1) % bits.count
    }

    /// Over half of the window was rejected.
    var isStorm: Bool { rejected * 2 > count }
}
