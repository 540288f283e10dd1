import Compute
import Detector
import Testing
import VAE

/// Issue 19, item 12 (point 3): the verdicts carry each record's latent mean μ when asked, and only then.
@Suite("Detector.score: the latent mean μ")
struct DetectorLatentMeanTests {
    /// μ of each record by a plain forward pass written out here: standardize, `h = relu(x·W₁ + b₁)`, and the
    /// first k columns of `h·W₂ + b₂`. `[n, k]`
    static func referenceMean(_ records: RecordBatch, model: VAEModel) -> [[Float]] {
        let layout = model.layout
        let hidden = layout.dense[0]
        let head = layout.dense[layout.headIndex]
        #expect(layout.headIndex == 1 && hidden.shape.outputs == head.shape.inputs)
        let p = model.parameters
        let k = model.architecture.latentWidth
        return (0..<records.count).map { i in
            let x = (0..<records.width).map { j in
                (records.features[i, j] - SmallDetector.scaler.mean[j]) / SmallDetector.scaler.scale[j]
            }  // [d]
            let h = (0..<hidden.shape.outputs).map { o in
                var a = p[hidden.bias + o]
                for j in 0..<x.count { a += x[j] * p[hidden.weights + j * hidden.shape.outputs + o] }
                return max(0, a)
            }  // [hidden]
            return (0..<k).map { o in
                var a = p[head.bias + o]
                for j in 0..<h.count { a += h[j] * p[head.weights + j * head.shape.outputs + o] }
                return a
            }  // [k]
        }
    }

    @Test("asked, μ is the forward pass's, on one thread and on a pool; not asked, there is none")
    func latentMeanMatchesForwardPass() throws {
        let detector = try SmallDetector.detector()
        let records = SmallDetector.records(rows: 5_000, seed: 9)
        let reference = Self.referenceMean(records, model: try SmallDetector.model())
        #expect(detector.score(records).latentMean == nil)
        for pool in [nil, ThreadPool(threadCount: 3)] {
            let verdicts = detector.score(records, pool: pool, latentMean: true)
            let mean = try #require(verdicts.latentMean)
            #expect(mean.rows == 5_000 && mean.cols == 2)
            var worst: Float = 0
            for i in 0..<records.count {
                for o in 0..<2 { worst = max(worst, abs(mean[i, o] - reference[i][o]) / max(1, abs(reference[i][o]))) }
            }
            #expect(worst < 1e-4, "largest relative difference \(worst)")
            #expect(verdicts.score == detector.score(records).score, "asking for μ changes no score")
        }
    }
}
