internal import Glibc
import RecordParsing

/// A growable byte buffer for formatted output; appends never allocate once it has grown to a batch's size.
final class OutputBuffer {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        bytes = .allocate(capacity: self.capacity)
    }

    deinit { bytes.deallocate() }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var grown = capacity * 2
        while grown < count + extra { grown *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.update(from: bytes, count: count)
        bytes.deallocate()
        bytes = moved
        capacity = grown
    }

    func append(_ source: UnsafeRawPointer, count length: Int) {
        reserve(length)
        memcpy(bytes + count, source, length)
        count += length
    }

    func append(_ raw: UnsafeRawBufferPointer) {
        if let base = raw.baseAddress { append(base, count: raw.count) }
    }

    func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    @inline(__always)
    func append(byte: UInt8) {
        reserve(1)
        bytes[count] = byte
        count += 1
    }

    func append(_ text: StaticString) { append(text.utf8Start, count: text.utf8CodeUnitCount) }

    /// A float in shortest round-trip form; +∞ (a score beyond Float32) as `infinity`.
    func append(_ value: Float, infinity: StaticString) {
        guard value.isFinite else { return append(infinity) }
        reserve(FloatFormatter.maximumLength)
        count += FloatFormatter.write(value, to: bytes + count)
    }

    func append(_ value: Int) {
        reserve(FloatFormatter.maximumLength)
        count += FloatFormatter.write(value, to: bytes + count)
    }

    /// A JSON string literal of `text`, escaped per RFC 8259.
    func appendJSONString(_ text: String) {
        var text = text
        text.withUTF8 { appendJSONString(UnsafeRawBufferPointer($0)) }
    }

    /// A JSON string literal of the UTF-8 `text`, escaped per RFC 8259.
    func appendJSONString(_ text: UnsafeRawBufferPointer) {
        append(byte: 0x22)
        for byte in text {
            switch byte {
            case 0x22: append("\\\"")
            case 0x5C: append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case ..<0x20:
                append("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                append(byte: hex[Int(byte >> 4)])
                append(byte: hex[Int(byte & 0xF)])
            default: append(byte: byte)
            }
        }
        append(byte: 0x22)
    }

    /// A CSV field: as is when it needs no quoting, else in double quotes with quotes doubled.
    func appendCSVField(_ text: String) {
        let needsQuotes = text.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { return append(Array(text.utf8)) }
        append(byte: 0x22)
        for byte in text.utf8 {
            if byte == 0x22 { append(byte: 0x22) }
            append(byte: byte)
        }
        append(byte: 0x22)
    }
}
