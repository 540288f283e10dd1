#if canImport(Glibc)
    import Glibc
#endif

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
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
        throw .input("cannot open \(path): \(String(cString: strerror(errno))); check the path")
    }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { throw .input("cannot read \(path): \(String(cString: strerror(errno)))") }
        if count == 0 { return bytes }
        bytes += chunk[..<count]
    }
}

/// Creates or replaces the file at `path` with `bytes`.
func writeEvalFile(_ bytes: [UInt8], to path: String) throws(EvalFailure) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
        throw .output("cannot create \(path): \(String(cString: strerror(errno))); check the --out-dir folder")
    }
    defer { close(descriptor) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { throw .output("cannot write \(path): \(String(cString: strerror(errno)))") }
        offset += written
    }
}
