import Compute

/// Builds the bytes of a `COPY … FROM STDIN (FORMAT binary)` stream: a signature, then one tuple per row (a field
/// count, then each field as a big-endian length and its bytes), then a trailer. Binary COPY needs no number
/// formatting on our side and no parsing on the server's.
struct BinaryCopyEncoder {
    private(set) var bytes: [UInt8]

    /// Starts a stream with the signature and an empty header extension.
    init(capacity: Int = 1 << 16) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes += [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]  // PGCOPY\n\377\r\n\0
        append32(0)  // flags
        append32(0)  // header extension length
    }

    /// Starts a row of `fields` fields.
    mutating func beginRow(fields: Int) { append16(UInt16(fields)) }

    /// A `text` field.
    mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            append32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `float8` field.
    mutating func double(_ value: Double) {
        append32(8)
        append64(value.bitPattern)
    }

    /// An `int4` field.
    mutating func int32(_ value: Int32) {
        append32(4)
        append32(UInt32(bitPattern: value))
    }

    /// A `bool` field.
    mutating func bool(_ value: Bool) {
        append32(1)
        bytes.append(value ? 1 : 0)
    }

    /// A `jsonb` field: format version 1, then the JSON text.
    mutating func jsonb(_ json: [UInt8]) {
        append32(UInt32(json.count + 1))
        bytes.append(1)
        bytes += json
    }

    /// A `float4[]` field of row `row` of `matrix`: a one-dimensional array, lower bound 1, no NULLs, in the array
    /// type's binary form (dimensions, a has-NULLs flag, the element type's OID, each dimension's length and lower
    /// bound, then every element as a length and its bytes).
    mutating func float4Array(_ matrix: Matrix, row: Int) {
        let count = matrix.cols
        append32(UInt32(20 + 8 * count))
        append32(1)  // dimensions
        append32(0)  // has NULLs
        append32(700)  // float4's OID
        append32(UInt32(count))
        append32(1)  // lower bound
        matrix.withUnsafeBufferPointer { values in
            for value in values[(row * count)..<((row + 1) * count)] {
                append32(4)
                append32(value.bitPattern)
            }
        }
    }

    /// Ends the stream.
    mutating func finish() { append16(0xFFFF) }

    private mutating func append16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    private mutating func append32(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func append64(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
