/// Checks bytes for well-formed UTF-8 (Unicode Table 3-7) without decoding or allocating.
///
/// Rejected: stray continuation bytes, `C0`, `C1` and `F5`...`FF`, overlong encodings, surrogates
/// (U+D800...U+DFFF), code points above U+10FFFF, and sequences cut short.
package enum UTF8Validation {
    /// Returns nil when the `count` bytes at `start` are valid UTF-8, otherwise the offset of the first byte
    /// of the first invalid sequence.
    package static func firstInvalidOffset(_ start: UnsafePointer<UInt8>, count: Int) -> Int? {
        precondition(count >= 0, "negative byte count")
        let raw = UnsafeRawPointer(start)
        var index = 0
        while index < count {
            // ASCII, eight bytes at a time.
            if count &- index >= 8 {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let high = word & 0x8080_8080_8080_8080
                if high == 0 {
                    index &+= 8
                    continue
                }
                index &+= high.trailingZeroBitCount &>> 3
            }
            let lead = start[index]
            if lead < 0x80 {
                index &+= 1
                continue
            }
            // The sequence length and the range its second byte must lie in.
            let length: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF:
                length = 2
            case 0xE0:
                length = 3
                secondLow = 0xA0
            case 0xED:
                length = 3
                secondHigh = 0x9F
            case 0xE1...0xEF:
                length = 3
            case 0xF0:
                length = 4
                secondLow = 0x90
            case 0xF4:
                length = 4
                secondHigh = 0x8F
            case 0xF1...0xF3:
                length = 4
            default:
                return index
            }
            if count &- index < length { return index }
            let second = start[index &+ 1]
            if second < secondLow || second > secondHigh { return index }
            var offset = 2
            while offset < length {
                if start[index &+ offset] & 0xC0 != 0x80 { return index }
                offset &+= 1
            }
            index &+= length
        }
        return nil
    }

    /// Returns nil when `bytes` are valid UTF-8, otherwise the offset of the first invalid sequence.
    package static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return firstInvalidOffset(base, count: buffer.count)
        }
    }
}
