/// The flat JSON object of `status.json`: each key's value as text (strings unquoted and unescaped, `null` as
/// nil).
struct StatusSnapshot: CustomStringConvertible {
    /// Every field; nil for JSON `null`.
    let fields: [String: String?]
    /// The file's text.
    let description: String

    /// Parses `json`; nil when it is not one flat object.
    init?(json: String) {
        var parser = FlatJSON(Array(json.utf8))
        guard let fields = parser.object() else { return nil }
        self.fields = fields
        description = json
    }

    /// A field as text; nil when absent or null.
    subscript(_ name: String) -> String? { fields[name] ?? nil }

    /// A numeric field; nil when absent, null or not a number.
    func number(_ name: String) -> Double? { self[name].flatMap(Double.init) }
}

/// A parser for one flat JSON object (string, number, boolean and null values).
private struct FlatJSON {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func object() -> [String: String?]? {
        skipSpace()
        guard take(0x7B) else { return nil }
        var fields: [String: String?] = [:]
        skipSpace()
        if take(0x7D) { return fields }
        while true {
            skipSpace()
            guard let key = string() else { return nil }
            skipSpace()
            guard take(0x3A) else { return nil }
            skipSpace()
            if index < bytes.count, bytes[index] == 0x22 {
                guard let value = string() else { return nil }
                fields[key] = .some(value)
            } else {
                let start = index
                while index < bytes.count, ![0x2C, 0x7D, 0x20, 0x0A].contains(bytes[index]) { index += 1 }
                let literal = String(decoding: bytes[start..<index], as: UTF8.self)
                guard !literal.isEmpty else { return nil }
                fields[key] = literal == "null" ? .some(nil) : .some(literal)
            }
            skipSpace()
            if take(0x2C) { continue }
            return take(0x7D) ? fields : nil
        }
    }

    private mutating func string() -> String? {
        guard take(0x22) else { return nil }
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == 0x22 {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                return String(scalars)
            }
            guard byte == 0x5C, index < bytes.count else {
                raw.append(byte)
                continue
            }
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw = []
            let escape = bytes[index]
            index += 1
            switch escape {
            case 0x6E: scalars.append("\n")
            case 0x74: scalars.append("\t")
            case 0x72: scalars.append("\r")
            case 0x75:
                guard index + 4 <= bytes.count,
                    let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                    let scalar = Unicode.Scalar(value)
                else { return nil }
                scalars.append(scalar)
                index += 4
            default: scalars.append(Unicode.Scalar(escape))
            }
        }
        return nil
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }
}
