import Compute
import Detector
import Testing
import VAE

@Suite("DetectorOptions")
struct DetectorOptionsTests {
    @Test("the defaults are valid and describe the documented network")
    func defaults() throws {
        let options = DetectorOptions()
        try options.validate()
        #expect(options.thresholdQuantile == 0.995 && options.topFeatureCount == 3)
        // The VAE's textbook β is 1 and its plain loss squared error; the detector's defaults are β = 0.5 and
        // learned per-feature variances (see DetectorOptions.beta and .reconstruction for the measurements).
        #expect(
            options.architecture(inputWidth: 12)
                == Architecture(inputWidth: 12, reconstruction: .gaussian, beta: 0.5))
    }

    @Test("each bad option is refused with its name")
    func refusals() {
        func message(_ change: (inout DetectorOptions) -> Void) -> String? {
            var options = DetectorOptions()
            change(&options)
            do {
                try options.validate()
                return nil
            } catch {
                #expect(error.code == .invalidOptions)
                return error.description
            }
        }
        #expect(message { $0.thresholdQuantile = .nan }?.contains("threshold quantile") == true)
        #expect(message { $0.topFeatureCount = 0 }?.contains("top feature count") == true)
        #expect(message { $0.training.batchSize = 0 }?.contains("batch size") == true)
        #expect(message { $0.latentWidth = 0 }?.contains("latent width") == true)
    }
}
