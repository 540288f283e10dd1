import TestSupport
import Testing

@testable import RecordIO
@testable import RecordParsing

@Suite("UTF8Validation")
struct UTF8ValidationTests {
    static let invalid: [([UInt8], Int)] = [
        ([0xFF, 0xFE], 0), ([0xC0, 0xAF], 0), ([0xC1, 0xBF], 0), ([0xED, 0xA0, 0x80], 0),
        ([0xED, 0xBF, 0xBF], 0), ([0xF4, 0x90, 0x80, 0x80], 0), ([0xE2, 0x82], 0), ([0xE0, 0x9F, 0xBF], 0),
        ([0xF0, 0x8F, 0xBF, 0xBF], 0), ([0xF5, 0x80, 0x80, 0x80], 0), ([0x80], 0), ([0x41, 0xBF], 1),
        ([0x61, 0x62, 0x63, 0xE2, 0x28, 0xA1], 3), ([0xC3, 0xA9, 0xF0, 0x9F, 0x98], 2),
        (Array("0123456789abcdefghij".utf8) + [0xFF], 20), (Array("01234567é".utf8) + [0xC3], 10),
        (Array("abcdefg€".utf8) + Array("0123456789".utf8) + [0xE2, 0x82], 20),
    ]

    @Test("invalid sequences are found at their first byte", arguments: invalid)
    func findsInvalidSequences(_ bytes: [UInt8], _ offset: Int) {
        #expect(UTF8Validation.firstInvalidOffset(bytes) == offset)
        #expect(referenceOffset(bytes) == offset)
    }

    static let valid: [String] = [
        "", "a", "0123456789abcdefghijklmnop", "é", "€", "𝄞", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}",
        "\u{E000}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "naïve café, 12.5, 東京, 🙂🙂🙂🙂🙂🙂🙂🙂 done",
    ]

    @Test("valid text passes, up to U+10FFFF", arguments: valid)
    func acceptsValidText(_ text: String) {
        #expect(UTF8Validation.firstInvalidOffset(Array(text.utf8)) == nil)
    }

    @Test("all 1- and 2-byte sequences and boundary 3- and 4-byte ones agree with the standard library")
    func agreesWithTheStandardLibraryOnShortSequences() {
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE1, 0xF0, 0xFF]
        var cases: [[UInt8]] = []
        for first in 0...255 {
            cases.append([UInt8(first)])
            for second in 0...255 { cases.append([UInt8(first), UInt8(second)]) }
        }
        for first in 0xE0...0xF7 {
            for second in interesting {
                for third in interesting {
                    cases.append([UInt8(first), second, third])
                    for fourth in interesting { cases.append([UInt8(first), second, third, fourth]) }
                }
            }
        }
        for bytes in cases where !agrees(bytes) {
            Issue.record("\(bytes): \(String(describing: UTF8Validation.firstInvalidOffset(bytes)))")
            return
        }
    }

    @Test("random and corrupted text agrees with the standard library")
    func agreesWithTheStandardLibraryOnRandomText() {
        var generator = SplitMix64(seed: 0xC0FFEE)
        let scalars: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF,
        ]
        for round in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...24, using: &generator) {
                let range = generator.next() % 3 == 0 ? scalars.randomElement(using: &generator)! : scalars[0]
                bytes += Array(String(Unicode.Scalar(UInt32.random(in: range, using: &generator))!).utf8)
            }
            if round % 2 == 1 && !bytes.isEmpty {
                // Corrupt one byte, or cut the text short.
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                if generator.next() % 4 == 0 {
                    bytes.removeLast(bytes.count - index)
                } else {
                    bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            if !agrees(bytes) {
                Issue.record("\(bytes): \(String(describing: UTF8Validation.firstInvalidOffset(bytes)))")
                return
            }
        }
    }

    @Test("only the given bytes are read")
    func checksOnlyTheGivenBytes() {
        let bytes: [UInt8] = Array("abcdefghij".utf8) + [0xFF]
        bytes.withUnsafeBufferPointer { buffer in
            #expect(UTF8Validation.firstInvalidOffset(buffer.baseAddress!, count: 10) == nil)
            #expect(UTF8Validation.firstInvalidOffset(buffer.baseAddress!, count: 0) == nil)
        }
        #expect(UTF8Validation.firstInvalidOffset([]) == nil)
    }
}

/// Whether the validator, the standard library's validating initializer and its decoder agree on `bytes`.
private func agrees(_ bytes: [UInt8]) -> Bool {
    let offset = UTF8Validation.firstInvalidOffset(bytes)
    return offset == referenceOffset(bytes) && (offset == nil) == (String(validating: bytes, as: UTF8.self) != nil)
}

/// The offset of the first invalid sequence as the standard library's UTF-8 decoder finds it.
private func referenceOffset(_ bytes: [UInt8]) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let encoded): offset += encoded.count
        case .emptyInput: return nil
        case .error: return offset
        }
    }
}
