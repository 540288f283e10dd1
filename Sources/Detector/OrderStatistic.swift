/// Selection of order statistics in place (Hoare's quickselect), without sorting.
///
/// The plain reference is `values.sorted()[rank]`; the tests compare the two. Expected time is linear in the
/// length of the range searched, against n log n for a sort: the scaler needs three order statistics of every
/// feature over up to a whole training window.
enum OrderStatistic {
    /// Rearranges `values[range]` so that `values[rank]` is the value a sort would put there, every value
    /// before it (within `range`) is ≤ it and every value after it is ≥ it; returns that value.
    ///
    /// The pivot is the median of the first, middle and last values, and values equal to the pivot stop both
    /// scans, so runs of equal values (a feature that is nearly always 0) still split evenly. Values must not
    /// be NaN.
    static func select(_ values: inout [Float], rank: Int, in range: Range<Int>) -> Float {
        precondition(range.contains(rank), "OrderStatistic.select: rank \(rank) outside \(range)")
        var low = range.lowerBound
        var high = range.upperBound - 1
        return values.withUnsafeMutableBufferPointer { v in
            while low < high {
                let middle = low + (high - low) / 2
                let pivot = medianOfThree(v[low], v[middle], v[high])
                var i = low
                var j = high
                while i <= j {
                    while v[i] < pivot { i += 1 }
                    while v[j] > pivot { j -= 1 }
                    if i <= j {
                        v.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                // Now v[low...j] ≤ pivot ≤ v[i...high], and every value strictly between j and i equals pivot.
                if rank <= j {
                    high = j
                } else if rank >= i {
                    low = i
                } else {
                    return v[rank]
                }
            }
            return v[rank]
        }
    }

    @inline(__always)
    private static func medianOfThree(_ a: Float, _ b: Float, _ c: Float) -> Float {
        max(min(a, b), min(max(a, b), c))
    }
}
