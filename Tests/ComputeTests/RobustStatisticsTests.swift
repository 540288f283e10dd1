import Testing

@testable import Compute

@Suite("RobustStatistics")
struct RobustStatisticsTests {
    @Test("median and MAD by hand: odd and even counts, an outlier that moves neither")
    func byHand() {
        #expect(RobustStatistics.median([3, 1, 2]) == 2)
        #expect(RobustStatistics.median([4, 1, 3, 2]) == 2.5)
        #expect(RobustStatistics.median([7]) == 7)
        // Deviations from 3: 2, 1, 0, 1, 97 → 1.
        let (median, deviation) = RobustStatistics.medianAndDeviation([1, 2, 3, 4, 100])
        #expect(median == 3 && deviation == 1)
        // Two huge values: halved before adding, so no overflow to infinity.
        #expect(RobustStatistics.median([Float.greatestFiniteMagnitude, .greatestFiniteMagnitude]).isFinite)
    }
}
