/// Location and spread that a few extreme values do not move: the median and the median absolute deviation (MAD).
package enum RobustStatistics {
    /// The median of `values` (not empty): the middle value, or the mean of the two middle ones (halved first, so
    /// that two huge values do not overflow). Sorts a copy. Values must not be NaN.
    package static func median(_ values: [Float]) -> Float {
        precondition(!values.isEmpty, "RobustStatistics.median: no values")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : sorted[middle - 1] / 2 + sorted[middle] / 2
    }

    /// The median of `values` (not empty) and their median absolute deviation from it, unscaled (multiply by
    /// 1.4826 for a standard deviation of normal values).
    package static func medianAndDeviation(_ values: [Float]) -> (median: Float, deviation: Float) {
        let center = median(values)
        return (center, median(values.map { abs($0 - center) }))
    }
}
