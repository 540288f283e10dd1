import RecordParsing

/// Numbers as people read them, in the report, the daemon's log and `vaewatch status`: built from integers, so the
/// text never depends on a locale or a float formatter, never holds an exponent where a plain figure reads better,
/// and never says `nan` or `inf`.
package enum NumberText {
    /// `12,345`.
    package static func count(_ value: Int) -> String { Counted.digits(value) }

    /// A fraction (0…1) as a percentage with about three significant digits and no trailing zeros: `0.49%`,
    /// `12.3%`, `100%`; a positive fraction under 0.005% reads `<0.01%`.
    package static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite, fraction > 0 else { return "0%" }
        let value = fraction * 100
        if value < 0.005 { return "<0.01%" }
        let decimals = value < 10 ? 2 : value < 100 ? 1 : 0
        return fixed(value, decimals: decimals, trimmingZeros: true) + "%"
    }

    /// `value` rounded to `decimals` places (0…6), without an exponent; trailing zeros (and a bare point) are
    /// dropped when `trimmingZeros` is set. NaN reads `0` and values beyond ±9e11 are clamped there (so that the
    /// scaled value fits an `Int64`): the report clamps every coordinate long before.
    package static func fixed(_ value: Double, decimals: Int, trimmingZeros: Bool = false) -> String {
        precondition((0...6).contains(decimals), "NumberText.fixed: decimals must be 0...6, got \(decimals)")
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let limit = 9e11
        let clamped = value.isNaN ? 0 : min(max(value, -limit), limit)
        let scaled = Int64((clamped * Double(scale)).rounded())
        let negative = scaled < 0
        let magnitude = scaled.magnitude
        var text = String(magnitude / UInt64(scale))
        if decimals > 0 {
            var fraction = String(magnitude % UInt64(scale))
            while fraction.count < decimals { fraction = "0" + fraction }
            if trimmingZeros { while fraction.last == "0" { fraction.removeLast() } }
            if !fraction.isEmpty { text += "." + fraction }
        }
        return negative && magnitude != 0 ? "-" + text : text
    }

    /// A duration as a number of seconds, for a log value or a sentence: about three significant digits and no
    /// digit grouping, so that people read it and scripts still parse it: `0.00437`, `0.326`, `12.3`, `4512`.
    package static func seconds(_ duration: Duration) -> String {
        let (whole, attoseconds) = duration.components
        let value = Double(whole) + Double(attoseconds) * 1e-18
        return abs(value) >= 1000 ? fixed(value, decimals: 0) : figure(value)
    }

    /// A coordinate in SVG user units: one decimal, `.0` dropped.
    static func coordinate(_ value: Double) -> String { fixed(value, decimals: 1, trimmingZeros: true) }

    /// The label of `mantissa × 10^exponent` on a log axis (`mantissa` is 1, 2 or 5): `0.002`, `0.5`, `20`,
    /// `5k`, `1M`; beyond those, `2e-7` or `5e12`.
    static func logTick(mantissa: Int, exponent: Int) -> String {
        switch exponent {
        case -6 ... -1: return "0." + String(repeating: "0", count: -exponent - 1) + String(mantissa)
        case 0...2: return String(mantissa) + String(repeating: "0", count: exponent)
        case 3...5: return String(mantissa) + String(repeating: "0", count: exponent - 3) + "k"
        case 6...8: return String(mantissa) + String(repeating: "0", count: exponent - 6) + "M"
        default: return "\(mantissa)e\(exponent)"
        }
    }

    /// A value for a sentence, with about three significant digits: `0.0123`, `4.56`, `789`, `12,346`; `+∞` for
    /// infinity.
    static func figure(_ value: Double) -> String {
        if value.isNaN { return "not a number" }
        if value.isInfinite { return value > 0 ? "+∞" : "-∞" }
        let magnitude = abs(value)
        if magnitude >= 1000 { return (value < 0 ? "-" : "") + count(Int(magnitude.rounded())) }
        if magnitude == 0 { return "0" }
        var decimals = 2
        var threshold = 1.0
        while magnitude < threshold, decimals < 6 {
            threshold /= 10
            decimals += 1
        }
        if magnitude >= 100 { decimals = 0 } else if magnitude >= 10 { decimals = 1 }
        return fixed(value, decimals: decimals, trimmingZeros: true)
    }
}
