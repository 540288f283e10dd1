#if canImport(Glibc)
    import Glibc
#endif
internal import SystemIO

/// A CSV file read whole for `eval-split` and `eval-metrics`: the header's column names and the data lines, each
/// kept byte for byte (without its line feed). Blank lines are left out; fields are split at every comma (the
/// labelled data is numeric, so there is no quoting to honour).
struct EvalTable {
    /// One data line.
    struct Row {
        /// Its 1-based line number in the file, for messages.
        var line: Int
        /// Its bytes, without the line feed.
        var bytes: ArraySlice<UInt8>
    }

    /// The file's path, for messages.
    var path: String
    /// The header line's bytes, without the line feed.
    var header: ArraySlice<UInt8>
    /// The header's column names, without surrounding spaces, quotes or a carriage return.
    var columns: [String]
    /// The data lines, in file order.
    var rows: [Row]

    /// Reads the CSV file at `path`.
    init(reading path: String) throws(EvalFailure) {
        self.path = path
        let bytes = try readEvalFile(path)
        var lines: [Row] = []
        var start = 0
        var number = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            number += 1
            let line = bytes[start..<end]
            if !line.allSatisfy({ $0 == 0x0D || $0 == 0x20 }) { lines.append(Row(line: number, bytes: line)) }
            start = end + 1
        }
        guard let first = lines.first else {
            throw .data("\(path) is empty; expected a CSV header line with a `label` column, then records")
        }
        header = first.bytes
        columns = Self.fields(first.bytes).map(Self.text)
        rows = Array(lines.dropFirst())
    }

    /// The index of the column `name`: the first such column, or the last when `last` is true.
    func column(_ name: String, last: Bool = false) -> Int? {
        last ? columns.lastIndex(of: name) : columns.firstIndex(of: name)
    }

    /// The fields of `row`; a located failure when it has not as many as the header.
    func fields(of row: Row) throws(EvalFailure) -> [ArraySlice<UInt8>] {
        let fields = Self.fields(row.bytes)
        guard fields.count == columns.count else {
            throw .data(
                "\(path):\(row.line): \(fields.count) fields, but the header has \(columns.count); every record "
                    + "needs one value per column")
        }
        return fields
    }

    /// The fields of a line, split at every comma.
    static func fields(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(separator: 0x2C, omittingEmptySubsequences: false)
    }

    /// A field as text, without surrounding spaces, double quotes or a carriage return.
    static func text(_ field: ArraySlice<UInt8>) -> String {
        var slice = field
        let trimmed: Set<UInt8> = [0x20, 0x0D, 0x22, 0x09]
        while let first = slice.first, trimmed.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, trimmed.contains(last) { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }
}

/// The whole content of the file at `path`.
func readEvalFile(_ path: String) throws(EvalFailure) -> [UInt8] {
    let descriptor: CInt
    do {
        descriptor = try SystemCalls.openForReading(path)
    } catch {
        throw .input("cannot open \(path): \(error.message); check the path")
    }
    defer { try? SystemCalls.close(descriptor) }
    do {
        return try SystemCalls.readAll(descriptor, path: path)
    } catch {
        throw .input("cannot read \(path): \(error.message)")
    }
}

/// Creates or replaces the file at `path` with `bytes`.
func writeEvalFile(_ bytes: [UInt8], to path: String) throws(EvalFailure) {
    let descriptor: CInt
    do {
        descriptor = try SystemCalls.openForWriting(path, permissions: 0o644)
    } catch {
        throw .output("cannot create \(path): \(error.message); check the --out-dir folder")
    }
    defer { try? SystemCalls.close(descriptor) }
    do {
        try bytes.withUnsafeBufferPointer { (buffer) throws(SystemCallError) in
            try SystemCalls.writeAll(descriptor, UnsafeRawBufferPointer(buffer), path: path)
        }
    } catch {
        throw .output("cannot write \(path): \(error.message)")
    }
}
