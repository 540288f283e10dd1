internal import Glibc
internal import SystemIO
import RecordParsing

/// Reads a file written by `vaewatch score` (CSV or JSON lines) into verdicts, stopping at the first line that is
/// not a verdict with a located message (`scored.csv:12: field 3 (score): not a number: "abc"`).
package enum ScoredFileReader {
    /// The format of `path`: `given` when set; else jsonl for names ending `.jsonl`, `.ndjson` or `.json`, csv for
    /// `.csv`; else what the file starts with (`{` for JSON lines). Standard input (`-`) cannot be looked into
    /// without consuming it, so it needs `given`.
    package static func format(of path: String, given: RecordFormat?) throws(RecordIOError) -> RecordFormat {
        if let given { return given }
        let lowered = path.lowercased()
        if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") || lowered.hasSuffix(".json") { return .jsonl }
        if lowered.hasSuffix(".csv") { return .csv }
        guard path != "-" else {
            throw RecordIOError(
                .usage, "cannot tell whether standard input is CSV or JSON lines: give --format csv or --format jsonl")
        }
        let descriptor = try open(path)
        defer { try? SystemCalls.close(descriptor) }
        var head = [UInt8](repeating: 0, count: 4096)
        let count: Int
        do {
            count = try head.withUnsafeMutableBufferPointer { (buffer) throws(SystemCallError) in
                try SystemCalls.readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer), offset: 0)
            }
        } catch {
            throw RecordIOError(
                .usage,
                "cannot tell whether \(path) is CSV or JSON lines (\(error.message)): give --format "
                    + "csv or --format jsonl")
        }
        var index = 0
        if count >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF { index = 3 }
        while index < count, [0x20, 0x09, 0x0D, 0x0A].contains(head[index]) { index += 1 }
        return index < count && head[index] == UInt8(ascii: "{") ? .jsonl : .csv
    }

    /// Reads the verdicts of `path` (`-` for standard input) in `format` (nil: see ``format(of:given:)``), keeping
    /// only the last `last` records when given.
    package static func read(path: String, format: RecordFormat?, last: Int? = nil) throws(RecordIOError)
        -> ScoredFile
    {
        let resolved = try self.format(of: path, given: format)
        let isStandardInput = path == "-"
        let descriptor = isStandardInput ? STDIN_FILENO : try open(path)
        defer { if !isStandardInput { try? SystemCalls.close(descriptor) } }
        let source = isStandardInput ? "<stdin>" : path
        let reader = LineReader(
            descriptor: descriptor, source: source, batchDeadline: 1, quotedNewlines: resolved == .csv)
        let keep = last.map { max(1, $0) }
        var records: [ScoredFileRecord] = []
        var total = 0
        var csv: ScoredFileCSV?
        let json = ScoredFileJSON(source: source)
        var sawHeader = false
        while let batch = try reader.next() {
            if let oversize = batch.oversize.first {
                throw RecordIOError(
                    .data,
                    "\(source):\(oversize.number): the line is longer than 1 MiB; a line of vaewatch score's output "
                        + "is as long as its input line plus about 200 bytes")
            }
            for line in batch.lines {
                let bytes = batch.bytes(of: line)
                if resolved == .csv, !sawHeader {
                    sawHeader = true
                    csv = try ScoredFileCSV(header: bytes, source: source)
                    continue
                }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                total += 1
                let record =
                    if let csv {
                        try csv.record(bytes, recordNumber: total, lineNumber: line.number)
                    } else {
                        try json.record(bytes, recordNumber: total, lineNumber: line.number)
                    }
                records.append(record)
                if let keep, records.count >= 2 * keep { records.removeFirst(records.count - keep) }
            }
        }
        if resolved == .csv, !sawHeader {
            throw RecordIOError(
                .data, "\(source): the file is empty; expected the CSV output of vaewatch score, with a header line")
        }
        if let keep, records.count > keep { records.removeFirst(records.count - keep) }
        return ScoredFile(source: source, format: resolved, records: records, totalRecords: total)
    }

    /// Opens `path` for reading, or throws an input error with the system's reason.
    private static func open(_ path: String) throws(RecordIOError) -> CInt {
        do {
            return try SystemCalls.openForReading(path)
        } catch {
            throw RecordIOError(.input, "cannot open \(path): \(error.message)")
        }
    }
}
