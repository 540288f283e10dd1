import Detector
import TestSupport
import Testing
import VAE

@Suite("Extreme value: streaming threshold")
struct ExtremeValueThresholdTests {
    /// The fraction of `scores` above `threshold`.
    static func exceedance(_ scores: [Float], _ threshold: Float) -> Double {
        Double(scores.count { $0 > threshold }) / Double(scores.count)
    }

    @Test(
        "calibrated on 20,000 χ²₈ scores, the threshold is exceeded by about r of a fresh 1,000,000",
        arguments: [1e-2, 1e-3])
    func exceedanceRate(rate: Double) throws {
        let training = TailSamples.chiSquare8(count: 20_000, seed: 1)
        let moving = try ExtremeValueThreshold(calibratingOn: training, rate: rate)
        let fresh = TailSamples.chiSquare8(count: 1_000_000, seed: 2)
        let observed = Self.exceedance(fresh, moving.threshold)
        let truth = TailSamples.chiSquare8Quantile(exceededWith: rate)
        let quantile = ThresholdCalibration.quantile(training, 1 - rate)
        print(
            "r = \(rate): z = \(moving.threshold) (true quantile \(truth), empirical \(quantile)), t = "
                + "\(moving.peakThreshold), \(moving.peakCount) peaks, γ = \(moving.distribution.shape), "
                + "σ = \(moving.distribution.scale); exceeded by \(observed) of fresh scores")
        let peaks = (1 - ExtremeValueThreshold.initialQuantile(forRate: rate)) * 20_000
        #expect(abs(Double(moving.peakCount) - peaks) <= 1, "the peaks are the scores above t")
        #expect(observed > rate / 1.5 && observed < rate * 1.5)
        #expect(abs(Double(moving.threshold) / truth - 1) < 0.08)
    }

    @Test("a large rate lowers t so that z stays above it")
    func largeRate() throws {
        let training = TailSamples.chiSquare8(count: 20_000, seed: 3)
        let moving = try ExtremeValueThreshold(calibratingOn: training, rate: 0.2)
        let observed = Self.exceedance(TailSamples.chiSquare8(count: 200_000, seed: 4), moving.threshold)
        print("r = 0.2: t = \(moving.peakThreshold), z = \(moving.threshold), exceeded by \(observed)")
        #expect(abs(ExtremeValueThreshold.initialQuantile(forRate: 0.2) - 0.3) < 1e-12)
        #expect(abs(ExtremeValueThreshold.initialQuantile(forRate: 1e-2) - 0.9) < 1e-12)
        #expect(abs(ExtremeValueThreshold.initialQuantile(forRate: 1e-3) - 0.98) < 1e-12)
        #expect(moving.threshold > moving.peakThreshold)
        #expect(abs(observed / 0.2 - 1) < 0.1)
    }

    @Test("on a stationary stream the moving threshold stays at the r quantile", arguments: [1e-2, 1e-3])
    func stationary(rate: Double) throws {
        var moving = try ExtremeValueThreshold(
            calibratingOn: TailSamples.chiSquare8(count: 10_000, seed: 14), rate: rate, capacity: 5_000)
        let start = moving.threshold
        let stream = TailSamples.chiSquare8(count: 300_000, seed: 15)
        var alarms = 0
        for first in stride(from: 0, to: stream.count, by: 500) {
            let batch = Array(stream[first..<first + 500])
            if first >= 100_000 { alarms += batch.count { $0 > moving.threshold } }
            moving.update(with: batch)
        }
        let observed = Double(alarms) / 200_000
        let truth = TailSamples.chiSquare8Quantile(exceededWith: rate)
        print(
            "stationary, r = \(rate): z from \(start) to \(moving.threshold) (true \(truth)); alarm rate over the "
                + "last 200,000: \(observed)")
        #expect(observed > rate / 1.5 && observed < rate * 1.5)
        #expect(abs(Double(moving.threshold) / truth - 1) < 0.05)
    }

    @Test(
        "streaming follows a slow change of the score scale; a fixed threshold does not",
        arguments: [(1.3, 1e-2), (0.75, 1e-2), (1.3, 1e-3)])
    func followsSlowChange(endScale: Double, rate: Double) throws {
        let training = TailSamples.chiSquare8(count: 10_000, seed: 5)
        var moving = try ExtremeValueThreshold(calibratingOn: training, rate: rate, capacity: 1_000)
        let start = moving.threshold
        // The scale moves linearly from 1 to `endScale` over 300,000 records, then stays there for 100,000.
        let ramp = 300_000
        let total = 400_000
        let stream = TailSamples.chiSquare8(count: total, seed: 6) {
            1 + (endScale - 1) * Double(min($0, ramp)) / Double(ramp)
        }
        var alarmsAtEnd = 0
        var alarmsFixedAtEnd = 0
        var largest = 0
        for first in stride(from: 0, to: total, by: 500) {
            let batch = Array(stream[first..<first + 500])
            if first >= ramp {
                alarmsAtEnd += batch.count { $0 > moving.threshold }
                alarmsFixedAtEnd += batch.count { $0 > start }
            }
            moving.update(with: batch)
            largest = max(largest, moving.peakCount)
        }
        let truth = endScale * TailSamples.chiSquare8Quantile(exceededWith: rate)
        let rateAtEnd = Double(alarmsAtEnd) / Double(total - ramp)
        let fixedRateAtEnd = Double(alarmsFixedAtEnd) / Double(total - ramp)
        print(
            "scale 1 → \(endScale), r = \(rate): z from \(start) to \(moving.threshold) (true at the end \(truth)); "
                + "alarm rate over the last 100,000: \(rateAtEnd) moving, \(fixedRateAtEnd) fixed")
        #expect(largest <= 1_000)
        #expect(abs(Double(moving.threshold) / truth - 1) < 0.1)
        #expect(rateAtEnd > rate / 3 && rateAtEnd < rate * 3)
        #expect(fixedRateAtEnd > rate * 3 || fixedRateAtEnd < rate / 3, "a fixed threshold leaves the band")
    }

    @Test("peaks stay bounded; the records they span follow; the state round-trips")
    func bounded() throws {
        let training = TailSamples.chiSquare8(count: 5_000, seed: 7)
        var moving = try ExtremeValueThreshold(calibratingOn: training, rate: 1e-3, capacity: 200)
        #expect(moving.peakCount == 100)
        let stream = TailSamples.chiSquare8(count: 100_000, seed: 8)
        for first in stride(from: 0, to: stream.count, by: 1_000) {
            moving.update(with: Array(stream[first..<first + 1_000]))
            let tail = moving.tail
            #expect(tail.peaks.count <= 200 && tail.gaps.count == tail.peaks.count)
            #expect(moving.recordCount == tail.gaps.reduce(0, +) + tail.recordsSinceLastPeak)
        }
        print(
            "capacity 200: \(moving.peakCount) peaks spanning \(moving.recordCount) records; "
                + "z = \(moving.threshold)")
        #expect(moving.peakCount == 200)
        // 2 % of records are peaks, so 200 peaks span about 10,000 records.
        #expect(moving.recordCount > 7_000 && moving.recordCount < 13_000)
        #expect(try ExtremeValueThreshold(tail: moving.tail) == moving)
    }

    @Test("an alarm changes nothing; scores that are not finite are left out")
    func alarmsChangeNothing() throws {
        var moving = try ExtremeValueThreshold(
            calibratingOn: TailSamples.chiSquare8(count: 5_000, seed: 9), rate: 1e-3)
        let before = moving
        moving.update(with: [moving.threshold * 1.01, moving.threshold + 100, .infinity, .nan, -.infinity])
        #expect(moving == before)
        moving.update(with: [moving.peakThreshold * 0.5])
        #expect(moving.recordCount == before.recordCount + 1 && moving.peakCount == before.peakCount)
        #expect(moving.threshold < before.threshold, "one more record below t: t is exceeded a little less often")
    }

    @Test("a damaged state is refused, naming what is wrong")
    func damagedState() throws {
        let good = try ExtremeValueThreshold(
            calibratingOn: TailSamples.chiSquare8(count: 2_000, seed: 10), rate: 1e-2
        ).tail
        var cases: [(String, (inout ThresholdTail) -> Void)] = []
        cases.append(("rate", { $0.rate = 0.7 }))
        cases.append(("scale", { $0.scale = 0 }))
        cases.append(("shape", { $0.shape = .nan }))
        cases.append(("gaps", { $0.gaps.removeLast() }))
        cases.append(("peak", { $0.peaks[0] = $0.peakThreshold - 1 }))
        cases.append(("count", { $0.recordsSinceLastPeak = -1 }))
        cases.append(("capacity", { $0.capacity = 3 }))
        for (name, damage) in cases {
            var tail = good
            damage(&tail)
            #expect(throws: DetectorError.self, "\(name)") { try ExtremeValueThreshold(tail: tail) }
            do {
                _ = try ExtremeValueThreshold(tail: tail)
            } catch {
                #expect(error.code == .incompatibleModel && error.description.contains("retrain"), "\(error)")
            }
        }
        #expect(try ExtremeValueThreshold(tail: good).tail == good)
    }

    @Test("no finite training score: a training failure that says what to do")
    func noFiniteScore() {
        #expect(throws: DetectorError.self) {
            try ExtremeValueThreshold(calibratingOn: [.nan, .infinity], rate: 1e-3)
        }
        #expect(throws: Never.self) { try ExtremeValueThreshold(calibratingOn: [3, 3, 3], rate: 1e-3) }
    }
}
