import TestSupport
import Testing

@testable import RecordIO
@testable import RecordParsing

@Suite("FloatFormatter")
struct FloatFormatterTests {
    static let layouts: [(Float, String)] = [
        (0.1, "0.1"), (1e-6, "1e-06"), (1e16, "1e+16"), (123_456.0, "123456"), (-0.0, "-0"), (0, "0"),
        (.greatestFiniteMagnitude, "3.4028235e+38"), (-.greatestFiniteMagnitude, "-3.4028235e+38"),
        (.leastNonzeroMagnitude, "1e-45"), (.leastNormalMagnitude, "1.1754944e-38"), (12.5, "12.5"),
        (0.00123, "0.00123"), (3, "3"), (1_000_000, "1000000"), (-2.5, "-2.5"), (1e-5, "0.00001"),
        (-1.234e-5, "-0.00001234"), (9.999999e-6, "9.999999e-06"), (1e15, "1000000000000000"),
        (-1.2345678e15, "-1234567800000000"), (123_456_792, "123456790"), (16_777_216, "16777216"),
        (1.2345e-7, "1.2345e-07"), (1e38, "1e+38"), (.leastNormalMagnitude / 8, "1.469368e-39"), (100.25, "100.25"),
        (0.5, "0.5"), (-1, "-1"),
    ]

    @Test("plain notation for exponents -5...15, scientific otherwise", arguments: layouts)
    func laysOut(_ x: Float, _ expected: String) {
        #expect(formatFloat(x) == expected)
    }

    @Test("100,000 random finite floats round-trip bit-exactly through the parser")
    func roundTripsRandomFloatsBitExactly() {
        var generator = SplitMix64(seed: 2024)
        var samples: [Float] = [-0.0, 0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude]
        samples.append(
            contentsOf: (0..<100_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: generator.next())) })
        for x in samples where x.isFinite {
            let text = formatFloat(x)
            let result = DecimalFloatParser.parse(Array(text.utf8))
            if !sameFloatBits(result, .value(x)) || text.utf8.count > FloatFormatter.maximumLength
                || !isJSONNumber(text)
                || significantDigits(text) != significantDigits(x.description)
            {
                Issue.record("\(x.description) formatted as \(text) parses as \(result)")
                return
            }
        }
    }

    static let integers: [Int] = [0, 7, -1, 9, 10, -10, 99, 100, 1_234_567_890, .max, .min, .min + 1]

    @Test("integers match String(_:)", arguments: integers)
    func writesIntegers(_ x: Int) {
        #expect(formatInteger(x) == String(x))
    }

    @Test("random integers match String(_:)")
    func writesRandomIntegers() {
        var generator = SplitMix64(seed: 99)
        for _ in 0..<10_000 {
            let x = Int(truncatingIfNeeded: generator.next()) >> Int(generator.next() % 64)
            let text = formatInteger(x)
            if text != String(x) || text.utf8.count > FloatFormatter.maximumLength {
                Issue.record("\(x) formatted as \(text)")
                return
            }
        }
    }
}

/// Writes `x` with `FloatFormatter` and returns the bytes as a string.
private func formatInteger(_ x: Int) -> String {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: FloatFormatter.maximumLength) { buffer in
        let count = FloatFormatter.write(x, to: buffer.baseAddress!)
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

/// The significant digits of a decimal, without leading or trailing zeros.
private func significantDigits(_ text: String) -> String {
    let mantissa = text.prefix { $0 != "e" }.filter(\.isNumber)
    let trimmed = mantissa.drop { $0 == "0" }
    return String(trimmed.reversed().drop { $0 == "0" }.reversed())
}

/// Whether `text` matches JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
private func isJSONNumber(_ text: String) -> Bool {
    var rest = Substring(text)
    func digits() -> Int {
        let run = rest.prefix { $0.isASCII && $0.isNumber }
        rest = rest.dropFirst(run.count)
        return run.count
    }
    if rest.first == "-" { rest = rest.dropFirst() }
    if rest.first == "0" {
        rest = rest.dropFirst()
    } else if digits() == 0 {
        return false
    }
    if rest.first == "." {
        rest = rest.dropFirst()
        if digits() == 0 { return false }
    }
    if rest.first == "e" || rest.first == "E" {
        rest = rest.dropFirst()
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        if digits() == 0 { return false }
    }
    return rest.isEmpty
}

/// Formats `x` with `FloatFormatter` and returns the bytes as a string.
private func formatFloat(_ x: Float) -> String {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: FloatFormatter.maximumLength) { buffer in
        let count = FloatFormatter.write(x, to: buffer.baseAddress!)
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
