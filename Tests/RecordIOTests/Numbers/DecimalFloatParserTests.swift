import TestSupport
import Testing

@testable import RecordIO
@testable import RecordParsing

@Suite("DecimalFloatParser")
struct DecimalFloatParserTests {
    static let rejections: [(String, NumberFailure)] = [
        ("", .empty),
        ("nan", .nonFinite), ("NaN", .nonFinite), ("-nan", .nonFinite), ("+NAN", .nonFinite),
        ("inf", .nonFinite), ("-inf", .nonFinite), ("+Inf", .nonFinite), ("Infinity", .nonFinite),
        ("-INFINITY", .nonFinite),
        ("0x1p3", .hexadecimal), ("-0x1p3", .hexadecimal), ("0X10", .hexadecimal), ("+0x", .hexadecimal),
        ("1e", .notANumber), (".", .notANumber), ("1.2.3", .notANumber), ("1,5", .notANumber),
        (" 1", .notANumber), ("1 ", .notANumber), ("--1", .notANumber), ("abc", .notANumber),
        ("1e5x", .notANumber), ("+", .notANumber), ("-", .notANumber), ("e5", .notANumber),
        (".e5", .notANumber), ("1e+", .notANumber), ("1e-", .notANumber), ("1e+-5", .notANumber),
        ("infinit", .notANumber), ("nan(1)", .notANumber), ("1..2", .notANumber), ("1e5.5", .notANumber),
        ("00x1", .notANumber), ("1\u{0}", .notANumber), ("\u{0661}", .notANumber), ("1_000", .notANumber),
        ("1e39", .outOfRange), ("-1e39", .outOfRange), ("1e999", .outOfRange), ("3.5e38", .outOfRange),
        ("3.4028236e38", .outOfRange), ("1" + String(repeating: "0", count: 39), .outOfRange),
        ("0.0000000001e49", .outOfRange), ("1e99999999999999999999999", .outOfRange),
        // The exact point halfway between the largest Float and 2^128 rounds to even, which is infinity.
        ("340282356779733661637539395458142568448", .outOfRange),
    ]

    @Test("malformed, non-finite, hexadecimal and out-of-range fields are refused with a reason", arguments: rejections)
    func rejects(_ text: String, _ failure: NumberFailure) {
        #expect(parseFloat(text) == .failure(failure), "\(text.debugDescription)")
    }

    static let values: [(String, Float)] = [
        ("0", 0), ("-0", -0.0), ("+0", 0), ("-0.0e5", -0.0), ("0e999999999999999999999", 0),
        ("000.000", 0), ("1e-999", 0), ("-1e-999", -0.0), ("1e-99999999999999999999", 0),
        ("1", 1), ("+1.5", 1.5), ("1.", 1), (".5", 0.5), ("-.5", -0.5), ("01", 1), ("1E3", 1000),
        ("1e+3", 1000), ("1.e1", 10), ("2.5E-1", 0.25), ("0.1", 0.1), ("127", 127),
        ("16777216", 16_777_216), ("16777217", 16_777_216), ("16777219", 16_777_220),
        ("16777217.000000000000000000001", 16_777_218), ("16777216.999999999999999999999", 16_777_216),
        ("3.4028235e38", .greatestFiniteMagnitude), ("-3.4028235e38", -.greatestFiniteMagnitude),
        ("340282356779733661637539395458142568447", .greatestFiniteMagnitude),
        ("1.17549435e-38", .leastNormalMagnitude), ("1e-45", .leastNonzeroMagnitude),
        ("1.4e-45", .leastNonzeroMagnitude), ("7e-46", 0), ("7.1e-46", .leastNonzeroMagnitude),
        ("0.0000000000000000000000000000000000000000000014", .leastNonzeroMagnitude),
        ("10000000000000000000000000000000000000000e-2", 1e38),
        ("0.00000000000000000000000000000000000000000000000000000000001e59", 1),
    ]

    @Test("edge values round to nearest, ties to even", arguments: values)
    func parsesValues(_ text: String, _ expected: Float) {
        #expect(sameFloatBits(parseFloat(text), .value(expected)), "\(text)")
    }

    @Test(
        "typical and tricky fields agree with Float(String)",
        arguments: [
            "-0.02114692764", "3.56488885", "0.000123", "1.2345e-07", "123456789012345678901234567890",
            "0.1000000000000000000000000000001", "2.7182818284590452353602874713527e-20", "9.999999e37",
            "1.1754942e-38", "1.1754943508222875e-38", "5.877472e-39", "3.4028234663852886e38",
            "4.9406564584124654e-324", "8388608.5", "8388609.5", "0.30000001192092896", "33554431",
            "1.00000017881393432617187499", "1.000000178813934326171875", "1.00000017881393432617187501",
        ])
    func agreesWithStandardLibrary(_ text: String) throws {
        let expected = try #require(Float(text))
        #expect(sameFloatBits(parseFloat(text), .value(expected)), "\(text)")
    }

    @Test("mantissas of up to 5,000 digits round correctly")
    func acceptsVeryLongMantissas() throws {
        var generator = SplitMix64(seed: 7)
        for length in [40, 199, 200, 201, 250, 1000, 5000] {
            for _ in 0..<20 {
                var digits = (0..<length).map { _ in UInt8(ascii: "0") + UInt8(generator.next() % 10) }
                digits[0] = UInt8(ascii: "1")
                let exponent = Int.random(in: -length - 45...(-length + 38), using: &generator)
                let text = String(decoding: digits, as: UTF8.self) + "e" + String(exponent)
                let expected = try #require(Float(text))
                let result = parseFloat(text)
                if expected.isInfinite {
                    #expect(result == .failure(.outOfRange), "\(text)")
                } else {
                    #expect(sameFloatBits(result, .value(expected)), "\(text)")
                }
            }
        }
    }

    @Test("100,000 random decimals agree bit-exactly with Float(String)")
    func agreesWithStandardLibraryOnRandomDecimals() throws {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<100_000 {
            var text = ""
            switch generator.next() % 3 {
            case 0: text += "-"
            case 1: text += "+"
            default: break
            }
            let digitCount = Int.random(in: 1...25, using: &generator)
            let pointPosition = Int.random(in: -1...digitCount, using: &generator)  // -1: no point
            for index in 0..<digitCount {
                if index == pointPosition { text += "." }
                text += String(generator.next() % 10)
            }
            if pointPosition == digitCount { text += "." }
            let integerDigits = pointPosition < 0 ? digitCount : pointPosition
            // Exponents that put the value anywhere from below the subnormals to above the largest Float.
            let exponent = Int.random(in: -48...41, using: &generator) - integerDigits
            text += (generator.next() & 1 == 0 ? "e" : "E") + String(exponent)
            let expected = try #require(Float(text), "\(text)")
            let result = parseFloat(text)
            if expected.isInfinite {
                #expect(result == .failure(.outOfRange), "\(text)")
            } else if !sameFloatBits(result, .value(expected)) {
                Issue.record("\(text): \(result) but Float(String) gives \(expected)")
                return
            }
        }
    }

    @Test("exact halfway points round to even; the slightest excess either way decides")
    func roundsPointsHalfwayBetweenFloatsAndTheirNeighbours() {
        var generator = SplitMix64(seed: 42)
        var samples: [Float] = [
            .leastNonzeroMagnitude, .leastNormalMagnitude, .leastNormalMagnitude.nextDown, 1, 1.5, 16_777_216,
            .greatestFiniteMagnitude, .greatestFiniteMagnitude.nextDown,
        ]
        for _ in 0..<300 {
            samples.append(Float(bitPattern: UInt32.random(in: 1...0x7F7F_FFFF, using: &generator)))
        }
        for x in samples {
            let upper = x.nextUp
            let even = x.significandBitPattern & 1 == 0 ? x : upper
            for padding in [0, 30, 300] {
                let (digits, scale) = halfwayDecimal(above: x, padding: padding)
                let below = decrement(digits)
                let above = increment(digits)
                let cases: [([UInt8], Float)] =
                    padding == 0 ? [(digits, even)] : [(below, x), (above, upper), (digits, even)]
                for (decimal, expected) in cases {
                    for sign: Float in [1, -1] {
                        let text = (sign < 0 ? "-" : "") + String(decoding: decimal, as: UTF8.self) + "e-\(scale)"
                        let result = parseFloat(text)
                        let want: ParsedFloat = expected.isInfinite ? .failure(.outOfRange) : .value(sign * expected)
                        #expect(sameFloatBits(result, want), "\(text)")
                    }
                }
            }
        }
    }

    @Test("pointer, raw buffer and array entry points read exactly the given bytes")
    func acceptsRawBuffersAndPointers() {
        #expect(DecimalFloatParser.parse(UnsafeRawBufferPointer(start: nil, count: 0)) == .failure(.empty))
        let bytes = Array("12.5xyz".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            #expect(DecimalFloatParser.parse(buffer.baseAddress!, count: 4) == .value(12.5))
            #expect(DecimalFloatParser.parse(buffer.baseAddress!, count: 0) == .failure(.empty))
            #expect(DecimalFloatParser.parse(UnsafeRawBufferPointer(buffer)) == .failure(.notANumber))
        }
    }

    @Test("each failure has its message")
    func failuresHaveReasons() {
        #expect(NumberFailure.empty.reason == "empty")
        #expect(NumberFailure.notANumber.reason == "not a number")
        #expect(NumberFailure.nonFinite.reason == "NaN and infinity are not accepted")
        #expect(NumberFailure.hexadecimal.reason == "hexadecimal numbers are not accepted")
        #expect(NumberFailure.outOfRange.reason == "out of the range of a 32-bit float")
    }
}

/// The exact decimal of the point halfway between positive finite `x` and `x.nextUp`, as ASCII digits `D`
/// (most significant first) and a scale `s` with value `D × 10^-s`, followed by `padding` more zeros.
private func halfwayDecimal(above x: Float, padding: Int) -> (digits: [UInt8], scale: Int) {
    // x = k × 2^q, so the halfway point is (2k + 1) × 2^(q - 1).
    let biased = Int(x.exponentBitPattern)
    let k = UInt64(x.significandBitPattern) | (biased == 0 ? 0 : 1 << 23)
    let q = (biased == 0 ? 1 : biased) - 150
    var little = Array(String(2 * k + 1).utf8.reversed().map { $0 - 48 })  // little-endian decimal digits
    let power = q - 1
    func multiply(by factor: UInt8) {
        var carry = 0
        for index in little.indices {
            let product = Int(little[index]) * Int(factor) + carry
            little[index] = UInt8(product % 10)
            carry = product / 10
        }
        while carry > 0 {
            little.append(UInt8(carry % 10))
            carry /= 10
        }
    }
    // (2k + 1) × 2^p is itself for p ≥ 0, and (2k + 1) × 5^-p × 10^p for p < 0.
    for _ in 0..<power.magnitude { multiply(by: power >= 0 ? 2 : 5) }
    let digits = little.reversed().map { $0 + 48 } + Array(repeating: UInt8(ascii: "0"), count: padding)
    return (digits, max(0, -power) + padding)
}

/// Adds one to the last place of an ASCII decimal that ends in a zero.
private func increment(_ digits: [UInt8]) -> [UInt8] {
    var result = digits
    result[result.count - 1] += 1
    return result
}

/// Subtracts one from the last place of an ASCII decimal with no leading zeros.
private func decrement(_ digits: [UInt8]) -> [UInt8] {
    var result = digits
    var index = result.count - 1
    while result[index] == UInt8(ascii: "0") {
        result[index] = UInt8(ascii: "9")
        index -= 1
    }
    result[index] -= 1
    return result
}

/// Parses the UTF-8 of `text`.
private func parseFloat(_ text: String) -> ParsedFloat {
    DecimalFloatParser.parse(Array(text.utf8))
}
