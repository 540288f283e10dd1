/// A value sent as a statement parameter (`$n`): it travels beside the SQL text and is never spliced into it.
package enum QueryValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// Text, sent in text format.
    case text(String)
    /// An integer, sent as its decimal text.
    case integer(Int64)
    /// A float, sent as its shortest round-trip text.
    case double(Double)
    /// A boolean.
    case bool(Bool)
    /// Raw bytes (`bytea`), sent in binary format.
    case bytes([UInt8])
    /// A text array (`text[]`), sent as an array literal with every element quoted.
    case textArray([String])
    /// An integer array (`bigint[]`).
    case integerArray([Int64])

    /// The bytes libpq sends, and whether they are in binary format; nil for NULL.
    var wire: (bytes: [UInt8], binary: Bool)? {
        switch self {
        case .null: return nil
        case .text(let value): return (Array(value.utf8), false)
        case .integer(let value): return (Array(String(value).utf8), false)
        case .double(let value): return (Array(value.description.utf8), false)
        case .bool(let value): return (value ? [0x74] : [0x66], false)
        case .bytes(let value): return (value, true)
        case .textArray(let values):
            var literal: [UInt8] = [0x7B]
            for (index, value) in values.enumerated() {
                if index > 0 { literal.append(0x2C) }
                literal.append(0x22)
                for byte in value.utf8 {
                    if byte == 0x22 || byte == 0x5C { literal.append(0x5C) }
                    literal.append(byte)
                }
                literal.append(0x22)
            }
            literal.append(0x7D)
            return (literal, false)
        case .integerArray(let values):
            return (Array(("{" + values.map(String.init).joined(separator: ",") + "}").utf8), false)
        }
    }
}
