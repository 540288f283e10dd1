import Compute
import Detector
import Testing
import VAE

@Suite("Extreme value: options, model files and detectors")
struct ExtremeValueDetectorTests {
    /// ``SmallDetector``'s header with a tail calibrated on seeded χ²₈ scores for `rate`.
    static func header(rate: Double) throws -> ModelHeader {
        let moving = try ExtremeValueThreshold(
            calibratingOn: TailSamples.chiSquare8(count: 5_000, seed: 11), rate: rate)
        var header = SmallDetector.header(threshold: moving.threshold)
        header.thresholdTail = moving.tail
        return header
    }

    @Test("the threshold rate is validated: 0 < r < 0.5, with a message that says so")
    func rateValidation() throws {
        for bad in [0, -1e-3, 0.5, 0.7, .nan, .infinity] {
            var options = DetectorOptions()
            options.thresholdRate = bad
            #expect(throws: DetectorError.self, "\(bad)") { try options.validate() }
            do {
                try options.validate()
            } catch {
                #expect(error.code == .invalidOptions && error.description.contains("threshold rate"), "\(error)")
            }
        }
        var options = DetectorOptions()
        #expect(options.thresholdRate == nil, "the quantile is the default")
        options.thresholdRate = 1e-3
        try options.validate()
    }

    @Test("calibrate: the quantile without a rate, the extreme-value threshold and its tail with one")
    func calibrate() throws {
        let scores = TailSamples.chiSquare8(count: 5_000, seed: 12)
        var options = DetectorOptions()
        let quantile = try ThresholdCalibration.calibrate(scores, options: options)
        #expect(quantile.tail == nil && quantile.threshold == ThresholdCalibration.quantile(scores, 0.995))
        options.thresholdRate = 1e-3
        let extreme = try ThresholdCalibration.calibrate(scores, options: options)
        let tail = try #require(extreme.tail)
        let resumed = try ExtremeValueThreshold(tail: tail)
        #expect(tail.rate == 1e-3 && extreme.threshold == resumed.threshold)
        #expect(extreme.threshold > quantile.threshold, "a rate of 1e-3 is further out than the 0.995 quantile")
    }

    @Test("the tail survives the model file; a header without it is a quantile model, byte for byte as before")
    func modelFile() throws {
        let header = try Self.header(rate: 1e-2)
        let model = try SmallDetector.model()
        let bytes = try ModelFileFormat.encode(header: header, weights: model.parameters)
        let decoded = try bytes.withUnsafeBytes { try ModelFileFormat.decode($0, source: "test") }
        #expect(decoded.header == header)
        let detector = try Detector(header: decoded.header, weights: decoded.weights)
        #expect(detector.extremeValueThreshold?.tail == header.thresholdTail)
        #expect(detector.thresholdMethodDescription == "extreme value (peaks over threshold), target rate 0.01")

        let plain = SmallDetector.header()
        let plainBytes = try ModelFileFormat.encode(header: plain, weights: model.parameters)
        #expect(!String(decoding: plainBytes, as: UTF8.self).contains("thresholdTail"), "no new key in old files")
        let plainDetector = try plainBytes.withUnsafeBytes { raw in
            let (header, weights) = try ModelFileFormat.decode(raw, source: "test")
            return try Detector(header: header, weights: weights)
        }
        #expect(plainDetector.extremeValueThreshold == nil)
        #expect(plainDetector.thresholdMethodDescription == "quantile of the training scores")
        #expect(plainDetector.updatingThreshold(with: [1, 2, 1e6]) === plainDetector, "a quantile never moves")
    }

    @Test("a model file with a damaged tail is refused when loaded")
    func damagedFile() throws {
        var header = try Self.header(rate: 1e-2)
        header.thresholdTail?.scale = -1
        let bytes = try ModelFileFormat.encode(header: header, weights: try SmallDetector.model().parameters)
        let decoded = try bytes.withUnsafeBytes { try ModelFileFormat.decode($0, source: "test") }
        #expect(throws: DetectorError.self) { try Detector(header: decoded.header, weights: decoded.weights) }
    }

    @Test("updatingThreshold moves the threshold the next batch is compared with, and keeps everything else")
    func updating() throws {
        let detector = try Detector(model: SmallDetector.model(), header: Self.header(rate: 1e-2))
        let batch = SmallDetector.records(rows: 300, seed: 13)
        let verdicts = detector.score(batch)
        #expect(verdicts.threshold == detector.threshold)
        // Scores scaled into (t, z]: every one becomes a peak, so the tail grows and the threshold moves up.
        let t = try #require(detector.extremeValueThreshold).peakThreshold
        let peaks = (1...200).map { t + (detector.threshold - t) * Float($0) / 201 }
        let moved = detector.updatingThreshold(with: peaks)
        print("threshold \(detector.threshold) → \(moved.threshold) after 200 peaks")
        #expect(moved.threshold > detector.threshold)
        #expect(moved.header.threshold == moved.threshold)
        #expect(moved.extremeValueThreshold?.peakCount == (detector.extremeValueThreshold?.peakCount ?? 0) + 200)
        #expect(moved.model == detector.model && moved.version == detector.version)
        #expect(moved.score(batch).threshold == moved.threshold)
        #expect(moved.score(batch).score == verdicts.score, "only the threshold moved")
    }
}
