import Detector
import Testing

@Suite("ThresholdCalibration")
struct ThresholdCalibrationTests {
    @Test(
        "type-7 quantile interpolates between order statistics",
        arguments: [
            // Sorted 1, 2, 3, 4, 10: h = 4q.
            (0.5, Float(3)),  // h = 2
            (0.9, Float(7.6)),  // h = 3.6: 4 + 0.6 × 6
            (0.995, Float(9.88)),  // h = 3.98: 4 + 0.98 × 6
            (1.0, Float(10)),  // h = 4
            (0.1, Float(1.4)),  // h = 0.4: 1 + 0.4 × 1
        ])
    func handComputed(q: Double, expected: Float) {
        let value = ThresholdCalibration.quantile([10, 3, 1, 4, 2], q)
        #expect(abs(value - expected) < 1e-5, "q = \(q): \(value)")
    }

    @Test("one score is its own quantile; ties stay put")
    func degenerate() {
        #expect(ThresholdCalibration.quantile([-2.5], 0.995) == -2.5)
        #expect(ThresholdCalibration.quantile([5, 5, 5, 5], 0.7) == 5)
        #expect(ThresholdCalibration.defaultQuantile == 0.995)
    }

    @Test("learned records' scores are scaled by how much higher the held-out ones score at their 0.9 quantile")
    func outOfSample() {
        // 1,000 learned records score 0…999 (0.9 quantile 899.1); 200 held out score 0…1,990 in steps of 10
        // (0.9 quantile 1,791): the ratio is 1,791 / 899.1.
        let learned = (0..<1_000).map { Float($0) }
        let fresh = (0..<200).map { Float($0 * 10) }
        let scores = learned + fresh
        let heldOut = Array(1_000..<1_200)
        let (corrected, ratio) = ThresholdCalibration.outOfSample(scores, heldOut: heldOut)
        #expect(abs(ratio - 1_791 / 899.1) < 1e-4)
        #expect(abs(corrected[500] - 500 * ratio) < 1e-2)
        #expect(corrected[1_000..<1_200] == fresh[...])
        // Held-out records that score lower leave the scores alone: the correction never lowers a threshold.
        let lower = ThresholdCalibration.outOfSample(learned + fresh.map { $0 / 100 }, heldOut: heldOut)
        #expect(lower.ratio == 1 && lower.scores == learned + fresh.map { $0 / 100 })
        // Too few held-out records to measure: unchanged.
        let few = ThresholdCalibration.outOfSample(scores, heldOut: Array(1_000..<1_099))
        #expect(few.ratio == 1 && few.scores == scores)
    }
}
