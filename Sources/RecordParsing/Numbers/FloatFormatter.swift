/// Writes numbers as ASCII without allocating.
///
/// A `Float` is written as the shortest decimal that parses back to exactly the same value (the digits of
/// `Float.description`), in plain notation when its scientific exponent is in −5...15 (`12.5`, `0.00123`,
/// `3`, `-0`, `1000000`, never a trailing `.0`), otherwise in scientific notation with a signed exponent of at
/// least two digits (`1.2345e-07`, `3.4028235e+38`). Every output is a JSON number and is accepted by
/// `DecimalFloatParser`.
package enum FloatFormatter {
    /// The most bytes that either `write` produces (`-9223372036854775808` for an `Int`; 17 for a `Float`).
    package static let maximumLength = 20

    /// Writes the shortest round-trip decimal of `x` at `out` and returns the number of bytes written.
    ///
    /// - Precondition: `x` is finite; callers reject or report NaN and infinity before formatting.
    package static func write(_ x: Float, to out: UnsafeMutablePointer<UInt8>) -> Int {
        precondition(x.isFinite, "FloatFormatter.write needs a finite value")
        let (digits, digitCount, exponent): (UInt64, Int, Int)
        if let fast = fastShortestDigits(x) {
            (digits, digitCount, exponent) = fast
        } else {
            var description = x.description
            (digits, digitCount, exponent) = description.withUTF8 { shortestDigits(of: $0) }
        }
        var length = 0
        if x.sign == .minus {
            out[0] = UInt8(ascii: "-")
            length = 1
        }
        if digits == 0 {
            out[length] = UInt8(ascii: "0")
            return length + 1
        }
        var divisor: UInt64 = 1
        for _ in 1..<digitCount { divisor &*= 10 }
        var remaining = digits
        /// Writes the next `count` significant digits.
        func writeDigits(_ count: Int) {
            for _ in 0..<count {
                out[length] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining / divisor)
                remaining %= divisor
                divisor /= 10
                length &+= 1
            }
        }
        /// Writes `count` zeros.
        func writeZeros(_ count: Int) {
            for _ in 0..<count {
                out[length] = UInt8(ascii: "0")
                length &+= 1
            }
        }
        if exponent >= 0 && exponent <= 15 {
            let integerDigits = exponent + 1
            if digitCount <= integerDigits {
                writeDigits(digitCount)
                writeZeros(integerDigits - digitCount)
            } else {
                writeDigits(integerDigits)
                out[length] = UInt8(ascii: ".")
                length &+= 1
                writeDigits(digitCount - integerDigits)
            }
        } else if exponent < 0 && exponent >= -5 {
            out[length] = UInt8(ascii: "0")
            out[length + 1] = UInt8(ascii: ".")
            length &+= 2
            writeZeros(-exponent - 1)
            writeDigits(digitCount)
        } else {
            writeDigits(1)
            if digitCount > 1 {
                out[length] = UInt8(ascii: ".")
                length &+= 1
                writeDigits(digitCount - 1)
            }
            out[length] = UInt8(ascii: "e")
            out[length + 1] = exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
            length &+= 2
            let magnitude = exponent.magnitude
            if magnitude < 10 {
                out[length] = UInt8(ascii: "0")
                length &+= 1
            }
            length &+= write(Int(magnitude), to: out + length)
        }
        return length
    }

    /// Writes `x` in decimal at `out` and returns the number of bytes written.
    package static func write(_ x: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var length = 0
        if x < 0 {
            out[0] = UInt8(ascii: "-")
            length = 1
        }
        var magnitude = x.magnitude
        var digitCount = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digitCount &+= 1
        }
        length &+= digitCount
        var index = length
        repeat {
            index &-= 1
            out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude != 0
        return length
    }

    /// The shortest round-trip digits of `x` without `Float.description`'s string: the 9-digit decimal of `x`
    /// rounded in `Double` (exact enough at 9 digits), then 8, 7, … digits for as long as the rounded decimal
    /// still parses back to `x` (checked with the parser's own fast path, so a near-halfway case is never
    /// accepted on a guess). Nil for what it does not settle — zero, subnormals, exact powers of two (whose
    /// rounding interval is lopsided), and rare near-halfway digits — which go through `description`, the
    /// reference this is tested against.
    @inline(__always)
    private static func fastShortestDigits(_ x: Float) -> (UInt64, Int, Int)? {
        let magnitude = x.magnitude
        guard magnitude.isNormal, magnitude.significandBitPattern != 0 else { return nil }
        let value = Double(magnitude)
        // Decimal exponent: log10(2) · binary exponent, corrected by one comparison.
        var exponent = Int((Double(magnitude.exponent) * 0.301_029_995_663_981_2).rounded(.down))
        if exponent < DecimalFloatParser.highestPower, value >= DecimalFloatParser.powerOfTen(exponent &+ 1) {
            exponent &+= 1
        }
        var found: (digits: UInt64, precision: Int, scale: Int)?
        for precision in stride(from: 9, through: 1, by: -1) {
            let shift = precision &- 1 &- exponent
            guard shift <= DecimalFloatParser.highestPower, shift >= DecimalFloatParser.lowestPower else { break }
            var digits = UInt64((value * DecimalFloatParser.powerOfTen(shift)).rounded(.toNearestOrEven))
            var scale = -shift
            if digits == powersOfTenInteger[precision] {
                digits /= 10
                scale &+= 1
            }
            // Nil: too close to call in Double; `description` decides.
            guard let back = DecimalFloatParser.plainValue(digits, digits: precision, scale: scale) else { return nil }
            if back != magnitude { break }
            found = (digits, precision, scale)
        }
        guard let found else { return nil }
        var (digits, count) = (found.digits, found.precision)
        let exponentOfFirst = found.scale &+ count &- 1
        while digits % 10 == 0 {
            digits /= 10
            count &-= 1
        }
        return (digits, count, exponentOfFirst)
    }

    /// 10⁰ … 10⁹.
    private static let powersOfTenInteger: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
    ]

    /// Reads a `Float.description` such as `-1.25e-07`, `16777216.0` or `0.00012345679` as significant digits
    /// without trailing zeros, their count, and the decimal exponent of the first one; zero gives `(0, 1, 0)`.
    private static func shortestDigits(of text: UnsafeBufferPointer<UInt8>) -> (UInt64, Int, Int) {
        var digits: UInt64 = 0
        var digitCount = 0
        var integerDigits = 0
        var leadingFractionZeros = 0
        var inFraction = false
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "e") { break }
            index &+= 1
            if byte == UInt8(ascii: ".") {
                inFraction = true
                continue
            }
            let digit = byte &- UInt8(ascii: "0")
            if digit > 9 { continue }  // the sign
            if digitCount == 0 && digit == 0 {
                if inFraction { leadingFractionZeros &+= 1 }
                continue
            }
            digits = digits &* 10 &+ UInt64(digit)
            digitCount &+= 1
            if !inFraction { integerDigits &+= 1 }
        }
        if digits == 0 { return (0, 1, 0) }
        var exponent = integerDigits > 0 ? integerDigits - 1 : -(leadingFractionZeros + 1)
        if index < text.count {
            var explicit = 0
            var negative = false
            for byte in text[(index + 1)...] {
                if byte == UInt8(ascii: "-") {
                    negative = true
                } else if byte != UInt8(ascii: "+") {
                    explicit = explicit &* 10 &+ Int(byte &- UInt8(ascii: "0"))
                }
            }
            exponent &+= negative ? -explicit : explicit
        }
        while digits % 10 == 0 {
            digits /= 10
            digitCount &-= 1
        }
        return (digits, digitCount, exponent)
    }
}
