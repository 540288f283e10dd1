internal import Glibc

/// Why a field is not an acceptable 32-bit float.
package enum NumberFailure: Sendable, Equatable {
    /// The field has no bytes.
    case empty
    /// The field does not follow the decimal grammar.
    case notANumber
    /// The field spells NaN or infinity, which scores cannot use.
    case nonFinite
    /// The field is a hexadecimal float such as `0x1p3`.
    case hexadecimal
    /// The value rounds to a magnitude above `Float.greatestFiniteMagnitude`.
    case outOfRange

    /// A short phrase for reject messages.
    package var reason: String {
        switch self {
        case .empty: "empty"
        case .notANumber: "not a number"
        case .nonFinite: "NaN and infinity are not accepted"
        case .hexadecimal: "hexadecimal numbers are not accepted"
        case .outOfRange: "out of the range of a 32-bit float"
        }
    }
}

/// The outcome of parsing one field.
package enum ParsedFloat: Sendable, Equatable {
    /// The correctly rounded value.
    case value(Float)
    /// Why the field was rejected.
    case failure(NumberFailure)
}

/// Parses strict decimal numbers into correctly rounded (round-half-even) `Float`s without allocating.
///
/// Grammar, with no surrounding whitespace: `[+-]? (digits ('.' digits?)? | '.' digits) ([eE] [+-]? digits)?`.
/// Leading zeros and a leading `+` are accepted. Underflow gives ±0 or a subnormal, as rounding says.
///
/// Fast path: the first 19 significant digits go into a `UInt64`, which is multiplied by a correctly rounded
/// power of ten in `Double`. The result is within 3.02 `Double` ulps of the exact value, so converting it to
/// `Float` rounds correctly unless it lies within a few ulps of a point halfway between two `Float`s; those
/// fields, and those in the subnormal range, take the slow path through `strtof`.
package enum DecimalFloatParser {
    /// Parses the `count` bytes at `start`.
    package static func parse(_ start: UnsafePointer<UInt8>, count: Int) -> ParsedFloat {
        precondition(count >= 0, "negative byte count")
        if count == 0 { return .failure(.empty) }
        var p = 0
        let negative = start[0] == UInt8(ascii: "-")
        if negative || start[0] == UInt8(ascii: "+") { p = 1 }
        if let (value, end) = plainPrefix(start, from: p, count: count), end == count {
            return .value(negative ? -value : value)
        }

        // Mantissa: the first 19 significant digits and the power of ten they are scaled by. Digits after those
        // change the value by under 10^-18 of itself, which the error bound below allows for.
        var mantissa: UInt64 = 0
        var significant = 0
        var scale = 0
        let integerStart = p
        while p < count {
            let digit = start[p] &- UInt8(ascii: "0")
            if digit > 9 { break }
            if significant < maximumFastDigits {
                if mantissa != 0 || digit != 0 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    significant &+= 1
                }
            } else {
                scale &+= 1
            }
            p &+= 1
        }
        let integerEnd = p
        var fractionStart = p
        if p < count && start[p] == UInt8(ascii: ".") {
            p &+= 1
            fractionStart = p
            while p < count {
                let digit = start[p] &- UInt8(ascii: "0")
                if digit > 9 { break }
                if significant < maximumFastDigits {
                    if mantissa != 0 || digit != 0 {
                        mantissa = mantissa &* 10 &+ UInt64(digit)
                        significant &+= 1
                    }
                    scale &-= 1
                }
                p &+= 1
            }
        }
        let fractionEnd = p
        if integerEnd == integerStart && fractionEnd == fractionStart {
            return .failure(classifyMalformed(start, count: count))
        }

        // Exponent, saturated far beyond any decimal that a Float can tell apart from 0 or infinity.
        var exponent = 0
        if p < count && start[p] | 0x20 == UInt8(ascii: "e") {
            p &+= 1
            var exponentNegative = false
            if p < count && (start[p] == UInt8(ascii: "-") || start[p] == UInt8(ascii: "+")) {
                exponentNegative = start[p] == UInt8(ascii: "-")
                p &+= 1
            }
            let exponentStart = p
            while p < count {
                let digit = start[p] &- UInt8(ascii: "0")
                if digit > 9 { break }
                if exponent < exponentSaturation { exponent = exponent &* 10 &+ Int(digit) }
                p &+= 1
            }
            if p == exponentStart { return .failure(.notANumber) }
            if exponentNegative { exponent = -exponent }
        }
        if p != count { return .failure(classifyMalformed(start, count: count)) }

        if mantissa == 0 { return .value(negative ? -0.0 : 0.0) }
        // The value lies in [10^(significant - 1 + power), 10^(significant + power)).
        let power = scale &+ exponent
        if significant &+ power > 39 { return .failure(.outOfRange) }
        if significant &+ power < -45 { return .value(negative ? -0.0 : 0.0) }

        let approximation = Double(mantissa) * powersOfTen[power &- lowestPower]
        let halfwayDistance = (approximation.bitPattern & lowBitsMask) &- (halfwayBits &- halfwayGuard)
        if approximation >= Double(Float.leastNormalMagnitude) && halfwayDistance > 2 &* halfwayGuard {
            let rounded = Float(approximation)
            if rounded.isInfinite { return .failure(.outOfRange) }
            return .value(negative ? -rounded : rounded)
        }
        return parseSlowly(
            start,
            negative: negative,
            integer: integerStart..<integerEnd,
            fraction: fractionStart..<fractionEnd,
            exponent: exponent
        )
    }

    /// The common case in one tight loop: digits with at most one point, read from `first` up to the first
    /// other byte (or `count`), whose offset is returned with the value. Nil when the digits are not settled
    /// here (none, over 19, subnormal, or near a halfway point), and the caller takes the general path, which
    /// handles and classifies everything, this case included. The CSV parser calls it directly, so that one
    /// pass both reads a field's number and finds the comma that ends it.
    @inline(__always)
    package static func plainPrefix(_ start: UnsafePointer<UInt8>, from first: Int, count: Int) -> (Float, Int)? {
        var mantissa: UInt64 = 0
        var point = -1
        var p = first
        while p < count {
            let byte = start[p]
            let digit = byte &- UInt8(ascii: "0")
            if digit <= 9 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
            } else if byte == UInt8(ascii: "."), point < 0 {
                point = p
            } else {
                break
            }
            p &+= 1
        }
        let digits = p &- first &- (point < 0 ? 0 : 1)
        guard let value = plainValue(mantissa, digits: digits, scale: point < 0 ? 0 : point &+ 1 &- p) else {
            return nil
        }
        return (value, p)
    }

    /// The value `mantissa × 10^scale` of a plain decimal with `digits` digits, when the fast path settles it:
    /// 1...19 digits, and a result that is normal and not near a halfway point between two `Float`s. Nil means
    /// the caller takes the general path.
    @inline(__always)
    static func plainValue(_ mantissa: UInt64, digits: Int, scale: Int) -> Float? {
        guard digits >= 1, digits <= maximumFastDigits else { return nil }
        if mantissa == 0 { return 0 }
        let approximation = Double(mantissa) * powersOfTen[scale &- lowestPower]
        let halfwayDistance = (approximation.bitPattern & lowBitsMask) &- (halfwayBits &- halfwayGuard)
        guard approximation >= Double(Float.leastNormalMagnitude), halfwayDistance > 2 &* halfwayGuard else {
            return nil
        }
        return Float(approximation)
    }

    /// Parses the bytes of `buffer`.
    package static func parse(_ buffer: UnsafeRawBufferPointer) -> ParsedFloat {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return .failure(.empty) }
        return parse(base.assumingMemoryBound(to: UInt8.self), count: buffer.count)
    }

    /// Parses `bytes`.
    package static func parse(_ bytes: [UInt8]) -> ParsedFloat {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// Significant digits that always fit a `UInt64`.
    private static let maximumFastDigits = 19
    /// Exponent digits stop counting here; any field is far shorter than this many bytes.
    private static let exponentSaturation = 1_000_000_000_000_000
    /// The `Double` significand bits below a `Float` significand.
    private static let lowBitsMask: UInt64 = (1 << 29) - 1
    /// Those low bits of a `Double` lying halfway between two normal `Float`s.
    private static let halfwayBits: UInt64 = 1 << 28
    /// `Double` ulps around a halfway point that send a field to the slow path; the error bound is 3.02.
    private static let halfwayGuard: UInt64 = 8
    /// The exponent of `powersOfTen[0]`.
    package static let lowestPower = -64
    /// The largest exponent of ``powerOfTen(_:)``.
    package static let highestPower = 38

    /// 10^`exponent`, correctly rounded, for `exponent` in ``lowestPower``...``highestPower``.
    @inline(__always)
    package static func powerOfTen(_ exponent: Int) -> Double { powersOfTen[exponent &- lowestPower] }
    /// Correctly rounded 10^-64 ... 10^38.
    private static let powersOfTen: [Double] = [
        1e-64, 1e-63, 1e-62, 1e-61, 1e-60, 1e-59, 1e-58, 1e-57, 1e-56, 1e-55, 1e-54, 1e-53, 1e-52,
        1e-51, 1e-50, 1e-49, 1e-48, 1e-47, 1e-46, 1e-45, 1e-44, 1e-43, 1e-42, 1e-41, 1e-40, 1e-39,
        1e-38, 1e-37, 1e-36, 1e-35, 1e-34, 1e-33, 1e-32, 1e-31, 1e-30, 1e-29, 1e-28, 1e-27, 1e-26,
        1e-25, 1e-24, 1e-23, 1e-22, 1e-21, 1e-20, 1e-19, 1e-18, 1e-17, 1e-16, 1e-15, 1e-14, 1e-13,
        1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0,
        1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
        1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26,
        1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38,
    ]

    /// Significant digits handed to `strtof`. The exact decimal of any point halfway between two `Float`s has
    /// at most about 115, so keeping 200 and standing in a final `1` for any nonzero rest rounds the same.
    private static let maximumSlowDigits = 200

    /// Rounds a well-formed, nonzero field with `strtof`, rewritten as `[-]digits e exponent` so that the
    /// locale's decimal separator plays no part, and kept short so that it fits on the stack.
    @inline(never)
    private static func parseSlowly(
        _ start: UnsafePointer<UInt8>,
        negative: Bool,
        integer: Range<Int>,
        fraction: Range<Int>,
        exponent: Int
    ) -> ParsedFloat {
        // Sign, digits, sticky digit, `e`, exponent sign, 19 exponent digits, NUL.
        let capacity = maximumSlowDigits + 24
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            var length = 0
            func append(_ byte: UInt8) {
                buffer[length] = CChar(bitPattern: byte)
                length += 1
            }
            if negative { append(UInt8(ascii: "-")) }
            var copied = 0
            var power = exponent
            var sticky = false
            for index in integer {
                let byte = start[index]
                if copied == 0 && byte == UInt8(ascii: "0") { continue }
                if copied < maximumSlowDigits {
                    append(byte)
                    copied += 1
                } else {
                    power += 1
                    sticky = sticky || byte != UInt8(ascii: "0")
                }
            }
            for index in fraction {
                let byte = start[index]
                if copied < maximumSlowDigits {
                    if copied != 0 || byte != UInt8(ascii: "0") {
                        append(byte)
                        copied += 1
                    }
                    power -= 1
                } else {
                    sticky = sticky || byte != UInt8(ascii: "0")
                }
            }
            if sticky {
                append(UInt8(ascii: "1"))
                power -= 1
            }
            append(UInt8(ascii: "e"))
            if power < 0 { append(UInt8(ascii: "-")) }
            var magnitude = power.magnitude
            let digitsStart = length
            repeat {
                append(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
            } while magnitude != 0
            var low = digitsStart
            var high = length - 1
            while low < high {
                buffer.swapAt(low, high)
                low += 1
                high -= 1
            }
            append(0)
            let value = strtof(buffer.baseAddress!, nil)
            return value.isInfinite ? .failure(.outOfRange) : .value(value)
        }
    }

    /// Names what is wrong with a field that does not follow the grammar.
    @inline(never)
    private static func classifyMalformed(_ start: UnsafePointer<UInt8>, count: Int) -> NumberFailure {
        if count == 0 { return .empty }
        var body = UnsafeBufferPointer(start: start, count: count)[...]
        if body.first == UInt8(ascii: "-") || body.first == UInt8(ascii: "+") { body = body.dropFirst() }
        if body.count >= 2 && body.first == UInt8(ascii: "0") && body[body.startIndex + 1] | 0x20 == UInt8(ascii: "x") {
            return .hexadecimal
        }
        for word in ["nan", "inf", "infinity"] where word.utf8.elementsEqual(body.lazy.map { $0 | 0x20 }) {
            return .nonFinite
        }
        return .notANumber
    }
}
