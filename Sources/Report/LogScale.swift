#if canImport(Glibc)
    import Glibc
#endif

/// The y axis: scores on a log scale between two "nice" bounds (1, 2 or 5 times a power of ten) around the finite,
/// positive scores and thresholds. Zero (and anything below the bottom) is drawn at the bottom edge; +∞ at the top,
/// where the chart marks it as off scale. No input makes it produce a coordinate that is not finite.
struct LogScale {
    /// The value at the bottom edge.
    let bottomValue: Double
    /// The value at the top edge.
    let topValue: Double
    /// The pixel row of the top edge.
    let top: Double
    /// The pixel row of the bottom edge.
    let bottom: Double
    /// Values below ``bottomValue`` other than 0: drawn at the bottom edge, and said so in the caption.
    let clippedBelow: Int

    /// Most decades shown: a score a hundred million times smaller than the largest is drawn at the bottom.
    static let maximumDecades = 8.0

    /// A scale for `values` (scores and thresholds) between pixel rows `top` and `bottom`.
    init(values: [Double], top: Double, bottom: Double) {
        var low = Double.infinity
        var high = 0.0
        for value in values where value.isFinite && value > 0 {
            low = min(low, value)
            high = max(high, value)
        }
        if high == 0 {
            // Nothing positive and finite: a neutral range.
            low = 0.1
            high = 10
        }
        high = Self.niceStep(atLeast: high)
        low = Self.niceStep(atMost: max(low, high / Self.pow10(Self.maximumDecades)))
        // At least one decade, so that a flat series is not stretched to fill the chart.
        if high / low < 10 { low = Self.niceStep(atMost: high / 10) }
        bottomValue = low
        topValue = high
        self.top = top
        self.bottom = bottom
        clippedBelow = values.reduce(0) { $0 + ($1.isFinite && $1 > 0 && $1 < low ? 1 : 0) }
    }

    /// The pixel row of `value`: clamped to the edges; NaN and values ≤ 0 at the bottom, +∞ at the top.
    func y(_ value: Double) -> Double {
        guard value > bottomValue else { return bottom }
        guard value < topValue else { return top }
        let fraction = (log10(value) - log10(bottomValue)) / (log10(topValue) - log10(bottomValue))
        return bottom - fraction * (bottom - top)
    }

    /// A tick: its value, label, and whether it is a power of ten (drawn stronger).
    struct Tick: Equatable {
        var value: Double
        var label: String
        var major: Bool
    }

    /// Powers of ten inside the range, and 2 and 5 times them when the range spans fewer than three decades;
    /// every other power of ten is labelled when it spans more than six.
    var ticks: [Tick] {
        let lowExponent = Int(log10(bottomValue).rounded(.down))
        let highExponent = Int(log10(topValue).rounded(.up))
        let decades = log10(topValue) - log10(bottomValue)
        let mantissas = decades < 3 ? [1, 2, 5] : [1]
        let labelEvery = decades > 6 ? 2 : 1
        var ticks: [Tick] = []
        for exponent in lowExponent...highExponent {
            for mantissa in mantissas {
                let value = Double(mantissa) * Self.pow10(Double(exponent))
                // A relative tolerance: the bounds are the same products, but rounding may differ in the last bit.
                guard value >= bottomValue * (1 - 1e-9), value <= topValue * (1 + 1e-9) else { continue }
                let labelled = mantissa != 1 || (exponent - lowExponent) % labelEvery == 0
                ticks.append(
                    Tick(
                        value: value, label: labelled ? NumberText.logTick(mantissa: mantissa, exponent: exponent) : "",
                        major: mantissa == 1))
            }
        }
        return ticks
    }

    /// The smallest of 1, 2, 5 × 10^k that is at least `value` (positive and finite).
    static func niceStep(atLeast value: Double) -> Double {
        let exponent = log10(value).rounded(.down)
        for mantissa in [1.0, 2, 5, 10] where mantissa * pow10(exponent) >= value * (1 - 1e-12) {
            return mantissa * pow10(exponent)
        }
        return 10 * pow10(exponent)
    }

    /// The largest of 1, 2, 5 × 10^k that is at most `value` (positive and finite).
    static func niceStep(atMost value: Double) -> Double {
        let exponent = log10(value).rounded(.down)
        for mantissa in [5.0, 2, 1] where mantissa * pow10(exponent) <= value * (1 + 1e-12) {
            return mantissa * pow10(exponent)
        }
        return pow10(exponent - 1) * 5
    }

    /// 10 to the integer power `exponent`, exact for the exponents a score can have.
    static func pow10(_ exponent: Double) -> Double { pow(10, exponent) }
}
