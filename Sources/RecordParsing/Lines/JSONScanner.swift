internal import Glibc

/// A cursor over one line of JSON that validates as it goes (RFC 8259) and never allocates on the paths a
/// well-formed record takes. Errors are short phrases; the caller adds the location.
package struct JSONScanner {
    /// The kinds of JSON value.
    package enum Kind: Equatable {
        case string, number, object, array, bool, null

        /// The kind as a phrase, e.g. "a string".
        package var phrase: String {
            switch self {
            case .string: "a string"
            case .number: "a number"
            case .object: "an object"
            case .array: "an array"
            case .bool: "true or false"
            case .null: "null"
            }
        }
    }

    /// A JSON syntax error: what was expected, at which byte offset.
    package struct SyntaxError: Error {
        package var offset: Int
        package var expected: String
    }

    package let bytes: UnsafePointer<UInt8>
    let count: Int
    package var position = 0

    /// Deepest nesting accepted inside a skipped value.
    static let maximumDepth = 64

    package init(_ line: UnsafeRawBufferPointer) {
        bytes = line.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        count = line.count
    }

    /// The byte at the cursor, or nil at the end.
    package var current: UInt8? { position < count ? bytes[position] : nil }

    package mutating func skipWhitespace() {
        while position < count {
            let byte = bytes[position]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
            position += 1
        }
    }

    /// Consumes `byte` (after whitespace) or throws.
    package mutating func expect(_ byte: UInt8, _ what: String) throws(SyntaxError) {
        skipWhitespace()
        guard current == byte else { throw SyntaxError(offset: position, expected: what) }
        position += 1
    }

    /// Consumes a string at the cursor; returns the range of its raw content and whether it has escapes.
    package mutating func string() throws(SyntaxError) -> (Range<Int>, escaped: Bool) {
        guard current == 0x22 else { throw SyntaxError(offset: position, expected: "a string") }
        position += 1
        let start = position
        var escaped = false
        while position < count {
            let byte = bytes[position]
            if byte == 0x22 {
                position += 1
                return (start..<(position - 1), escaped)
            }
            if byte < 0x20 { throw SyntaxError(offset: position, expected: "no control character in a string") }
            if byte == 0x5C {
                escaped = true
                position += 1
                guard let next = current else { break }
                switch next {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: position += 1
                case 0x75:
                    guard position + 4 < count,
                        (1...4).allSatisfy({ Self.isHexDigit(bytes[position + $0]) })
                    else { throw SyntaxError(offset: position, expected: "four hex digits after \\u") }
                    position += 5
                default: throw SyntaxError(offset: position, expected: "a valid escape")
                }
                continue
            }
            position += 1
        }
        throw SyntaxError(offset: count, expected: "a closing quote")
    }

    /// Consumes a number at the cursor (JSON grammar: no leading `+`, no leading zeros, digits on both
    /// sides of a point); returns its range.
    /// Whether `text` is one JSON number and nothing else (`-0.5e3`, not `+1`, `.5`, `inf` or `0x1`).
    package static func isNumber(_ text: UnsafeRawBufferPointer) -> Bool {
        var scanner = JSONScanner(text)
        guard (try? scanner.number()) != nil else { return false }
        return scanner.position == text.count
    }

    package mutating func number() throws(SyntaxError) -> Range<Int> {
        let start = position
        if current == 0x2D { position += 1 }
        guard let first = current, Self.isDigit(first) else { throw SyntaxError(offset: position, expected: "a digit") }
        position += 1
        if first != 0x30 { while let byte = current, Self.isDigit(byte) { position += 1 } }
        if current == 0x2E {
            position += 1
            guard let byte = current, Self.isDigit(byte) else {
                throw SyntaxError(offset: position, expected: "a digit after the decimal point")
            }
            while let byte = current, Self.isDigit(byte) { position += 1 }
        }
        if current == 0x65 || current == 0x45 {
            position += 1
            if current == 0x2B || current == 0x2D { position += 1 }
            guard let byte = current, Self.isDigit(byte) else {
                throw SyntaxError(offset: position, expected: "a digit in the exponent")
            }
            while let byte = current, Self.isDigit(byte) { position += 1 }
        }
        return start..<position
    }

    /// The kind of the value at the cursor (after whitespace), without consuming it.
    package mutating func peekKind() throws(SyntaxError) -> Kind {
        skipWhitespace()
        switch current {
        case 0x22: return .string
        case 0x7B: return .object
        case 0x5B: return .array
        case 0x74, 0x66: return .bool
        case 0x6E: return .null
        case let byte? where byte == 0x2D || Self.isDigit(byte): return .number
        default: throw SyntaxError(offset: position, expected: "a value")
        }
    }

    /// Consumes a literal such as `null`.
    mutating func literal(_ text: StaticString) throws(SyntaxError) {
        let length = text.utf8CodeUnitCount
        guard position + length <= count, memcmp(bytes + position, text.utf8Start, length) == 0 else {
            throw SyntaxError(offset: position, expected: "\(text)")
        }
        position += length
    }

    /// Consumes any value at the cursor, validating it.
    package mutating func skipValue(depth: Int = 0) throws(SyntaxError) {
        guard depth < Self.maximumDepth else {
            throw SyntaxError(offset: position, expected: "nesting at most \(Self.maximumDepth) deep")
        }
        switch try peekKind() {
        case .string: _ = try string()
        case .number: _ = try number()
        case .null: try literal("null")
        case .bool: if current == 0x74 { try literal("true") } else { try literal("false") }
        case .array:
            position += 1
            skipWhitespace()
            if current == 0x5D {
                position += 1
                return
            }
            while true {
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if current == 0x5D {
                    position += 1
                    return
                }
                try expect(0x2C, "',' or ']'")
            }
        case .object:
            position += 1
            skipWhitespace()
            if current == 0x7D {
                position += 1
                return
            }
            while true {
                skipWhitespace()
                _ = try string()
                try expect(0x3A, "':'")
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if current == 0x7D {
                    position += 1
                    return
                }
                try expect(0x2C, "',' or '}'")
            }
        }
    }

    /// Walks an object that fills the whole line: `{`, its members, `}`, then only whitespace. For each member,
    /// `member` gets the scanner with its cursor on the value (which it must consume), the key's raw range,
    /// whether the key has escapes, and the member's position; a non-nil result stops the walk and is returned.
    package mutating func walkLineObject<Stop>(
        _ member: (inout JSONScanner, Range<Int>, Bool, Int) throws(SyntaxError) -> Stop?
    ) throws(SyntaxError) -> Stop? {
        try expect(0x7B, "'{'")
        skipWhitespace()
        if current == 0x7D {
            position += 1
        } else {
            var index = 0
            while true {
                skipWhitespace()
                let (range, escaped) = try string()
                try expect(0x3A, "':'")
                if let stop = try member(&self, range, escaped, index) { return stop }
                index += 1
                skipWhitespace()
                if current == 0x7D {
                    position += 1
                    break
                }
                try expect(0x2C, "',' or '}'")
            }
        }
        skipWhitespace()
        if position < count { throw SyntaxError(offset: position, expected: "the end of the line after the object") }
        return nil
    }

    /// The decoded text of a string's raw content (escapes resolved; a lone surrogate becomes U+FFFD only
    /// in names and keys, never in numbers).
    package func decodedString(_ range: Range<Int>, escaped: Bool) -> String {
        let raw = UnsafeRawBufferPointer(start: bytes + range.lowerBound, count: range.count)
        guard escaped else { return String(decoding: raw, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var i = 0
        func flush() {
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll()
        }
        while i < raw.count {
            guard raw[i] == 0x5C else {
                utf8.append(raw[i])
                i += 1
                continue
            }
            flush()
            let code = raw[i + 1]
            i += 2
            switch code {
            case 0x62: scalars.append("\u{08}")
            case 0x66: scalars.append("\u{0C}")
            case 0x6E: scalars.append("\n")
            case 0x72: scalars.append("\r")
            case 0x74: scalars.append("\t")
            case 0x75:
                var value = Self.hex4(raw, i)
                i += 4
                if (0xD800..<0xDC00).contains(value), i + 6 <= raw.count, raw[i] == 0x5C, raw[i + 1] == 0x75 {
                    let low = Self.hex4(raw, i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(code))
            }
        }
        flush()
        return String(scalars)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66)
    }

    static func hex4(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = raw[at + offset]
            let digit = isDigit(byte) ? byte - 0x30 : (byte | 0x20) - 0x61 + 10
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
