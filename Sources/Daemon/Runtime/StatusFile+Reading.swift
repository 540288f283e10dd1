internal import SystemIO

extension StatusFile {
    /// The fields of a status file, in order, each value as text (strings unquoted, `null` as nil); nil when the
    /// text is not one flat JSON object as ``encode(_:)`` writes.
    package static func fields(of text: String) -> [(key: String, value: String?)]? {
        var scanner = FlatJSONScanner(Array(text.utf8))
        return scanner.object()
    }

    /// The text of the file at `path`.
    ///
    /// - Throws: ``DaemonError`` naming the file and the reason.
    package static func read(path: String) throws(DaemonError) -> String {
        do {
            let descriptor = try SystemCalls.openForReading(path)
            defer { try? SystemCalls.close(descriptor) }
            return String(decoding: try SystemCalls.readAll(descriptor, path: path), as: UTF8.self)
        } catch {
            throw DaemonError(.io, "cannot read \(path): \(error.message)")
        }
    }
}

/// Reads one flat JSON object of strings, numbers, booleans and nulls.
private struct FlatJSONScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func object() -> [(key: String, value: String?)]? {
        var fields: [(key: String, value: String?)] = []
        skipSpace()
        guard take(UInt8(ascii: "{")) else { return nil }
        skipSpace()
        if take(UInt8(ascii: "}")) { return fields }
        while true {
            skipSpace()
            guard let key = string() else { return nil }
            skipSpace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            guard let value = value() else { return nil }
            fields.append((key: key, value: value))
            skipSpace()
            if take(UInt8(ascii: "}")) { return fields }
            guard take(UInt8(ascii: ",")) else { return nil }
        }
    }

    /// A value: nil for a syntax error, `.some(nil)` for null.
    mutating func value() -> String?? {
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") { return string().map { Optional($0) } }
        let start = index
        while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), 0x20, 0x0A].contains(bytes[index]) {
            index += 1
        }
        let word = String(decoding: bytes[start..<index], as: UTF8.self)
        guard !word.isEmpty else { return nil }
        return word == "null" ? .some(nil) : .some(.some(word))
    }

    mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        var result: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: result, as: UTF8.self) }
            guard byte == UInt8(ascii: "\\"), index < bytes.count else {
                result.append(byte)
                continue
            }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "n"): result.append(0x0A)
            case UInt8(ascii: "t"): result.append(0x09)
            case UInt8(ascii: "r"): result.append(0x0D)
            case UInt8(ascii: "u"):
                guard index + 4 <= bytes.count,
                    let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                    let scalar = Unicode.Scalar(code)
                else { return nil }
                index += 4
                result += Array(String(Character(scalar)).utf8)
            default: result.append(escaped)
            }
        }
        return nil
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }
}
