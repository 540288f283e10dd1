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
}
