import Compute
import Detector
import Testing
import VAE

@Suite("Detector.init and checkFeatures")
struct DetectorInitTests {
    func refusal(_ header: ModelHeader, topFeatureCount: Int = 3) throws -> DetectorError? {
        do {
            _ = try Detector(model: SmallDetector.model(), header: header, topFeatureCount: topFeatureCount)
            return nil
        } catch let error as DetectorError {
            return error
        }
    }

    @Test("a complete header makes a detector whose properties come from it")
    func accepts() throws {
        let detector = try SmallDetector.detector(threshold: 4.5, topFeatureCount: 2)
        #expect(detector.threshold == 4.5)
        #expect(detector.version == 3)
        #expect(detector.featureNames == SmallDetector.featureNames)
        #expect(detector.scaler.statistics == SmallDetector.scaler)
        #expect(detector.topFeatureCount == 2)
        #expect(detector.inputWidth == 4)
    }

    @Test("a header without threshold or scaler is refused with what to do")
    func refusesIncompleteHeader() throws {
        let noThreshold = try #require(try refusal(SmallDetector.header(threshold: nil)))
        #expect(noThreshold.code == .incompatibleModel)
        #expect(noThreshold.description == "the model file has no threshold; retrain it with `vaewatch train`")
        let noScaler = try #require(try refusal(SmallDetector.header(scaler: nil)))
        #expect(noScaler.description.contains("no feature scaler"))
        #expect(noScaler.description.hasSuffix("retrain it with `vaewatch train`"))
    }

    @Test("a header that disagrees with the weights or itself is refused")
    func refusesInconsistentHeader() throws {
        var otherNetwork = SmallDetector.header()
        otherNetwork.architecture.hiddenWidths = [5]
        var fewerNames = SmallDetector.header()
        fewerNames.featureNames.removeLast()
        let shortScaler = SmallDetector.header(scaler: ScalerStatistics(mean: [0, 0, 0], scale: [1, 1, 1]))
        let zeroScale = SmallDetector.header(scaler: ScalerStatistics(mean: [0, 0, 0, 0], scale: [1, 0, 1, 1]))
        var versionZero = SmallDetector.header()
        versionZero.version = 0
        for header in [
            otherNetwork, fewerNames, shortScaler, zeroScale, versionZero, SmallDetector.header(threshold: .nan),
        ] {
            #expect(try refusal(header)?.code == .incompatibleModel)
        }
        #expect(try refusal(SmallDetector.header(), topFeatureCount: 0)?.code == .invalidOptions)
    }

    @Test("checkFeatures accepts the model's columns and names the first difference otherwise")
    func checkFeatures() throws {
        let detector = try SmallDetector.detector()
        try detector.checkFeatures(["cpu", "memory", "disk", "network"])
        func message(_ names: [String]) -> String? {
            do {
                try detector.checkFeatures(names)
                return nil
            } catch {
                #expect(error.code == .incompatibleModel)
                return error.description
            }
        }
        let swapped = try #require(message(["cpu", "disk", "memory", "network"]))
        #expect(swapped.contains("column 2 is \"disk\" but the model expects \"memory\""))
        #expect(swapped.contains("--columns"))
        #expect(message(["cpu", "memory", "disk"])?.contains("missing column \"network\"") == true)
        #expect(message(SmallDetector.featureNames + ["gpu"])?.contains("extra column \"gpu\"") == true)
    }
}
