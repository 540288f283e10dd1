import Compute
import TestSupport
import Testing
import VAE

@Suite("Training")
struct TrainingTests {
    static let architecture = Architecture(inputWidth: 16, hiddenWidths: [32, 16], latentWidth: 4)

    static func configuration(epochs: Int = 40, seed: UInt64 = 3) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.epochs = epochs
        configuration.minimumSteps = 0
        configuration.batchSize = 64
        configuration.learningRate = 3e-3
        configuration.seed = seed
        return configuration
    }

    @Test("the loss falls and the score separates planted off-manifold points (AUROC ≥ 0.95)")
    func separatesPlantedPoints() throws {
        let (data, labels) = TrainingData.manifold(rows: 3_000, seed: 1)
        #expect(labels.filter { $0 }.count >= 15)
        let model = try VAEModel(initializing: Self.architecture, seed: 1)
        let result = try Trainer.train(
            model, data: data, configuration: Self.configuration(), pool: ThreadPool(threadCount: 2))
        let first = try #require(result.history.first).trainingLoss
        let best = result.history[result.summary.bestEpoch - 1].trainingLoss
        #expect(best < 0.5 * first, "training loss \(first) → \(best)")

        let scores = result.model.score(data)
        let area = TestSupport.auroc(scores.score, labels)
        // The floor any trained model must beat: squared distance to the training mean (0 after standardizing).
        let distance = (0..<data.rows).map { i in data.row(i).reduce(Float(0)) { $0 + $1 * $1 } }
        let floor = TestSupport.auroc(distance, labels)
        #expect(area >= 0.95, "VAE AUROC \(area)")
        #expect(area > floor + 0.1, "VAE AUROC \(area) vs distance-to-mean \(floor)")
        #expect(result.summary.activeLatentUnits >= 1 && result.summary.activeLatentUnits <= 4)
    }

    @Test("two trainings with the same seed and thread count write byte-identical model files", arguments: [1, 2])
    func deterministic(threads: Int) throws {
        let (data, _) = TrainingData.manifold(rows: 700, seed: 2)
        func trainAndEncode(seed: UInt64) throws -> [UInt8] {
            let model = try VAEModel(initializing: Self.architecture, seed: seed)
            let result = try Trainer.train(
                model, data: data, configuration: Self.configuration(epochs: 4, seed: seed),
                pool: ThreadPool(threadCount: threads))
            let header = ModelHeader(
                featureNames: (0..<16).map { "f\($0)" }, architecture: Self.architecture, threshold: 1.5,
                training: result.summary, seed: seed, createdAt: 1_700_000_000)
            return try ModelFileFormat.encode(header: header, weights: result.model.parameters)
        }
        let first = try trainAndEncode(seed: 9)
        #expect(first == (try trainAndEncode(seed: 9)))
        #expect(first != (try trainAndEncode(seed: 10)))
    }

    @Test("a warm start continues from the given weights")
    func warmStart() throws {
        let (data, _) = TrainingData.manifold(rows: 600, seed: 4)
        let pool = ThreadPool(threadCount: 2)
        let fresh = try VAEModel(initializing: Self.architecture, seed: 4)
        let trained = try Trainer.train(fresh, data: data, configuration: Self.configuration(epochs: 15), pool: pool)
        let warm = try Trainer.train(
            trained.model, data: data, configuration: Self.configuration(epochs: 1), pool: pool)
        let cold = try Trainer.train(fresh, data: data, configuration: Self.configuration(epochs: 1), pool: pool)
        #expect(warm.history[0].trainingLoss < 0.8 * cold.history[0].trainingLoss)
    }

    @Test("early stopping keeps the best validation epoch and stops after `patience` epochs without progress")
    func earlyStopping() throws {
        let (data, _) = TrainingData.manifold(rows: 400, seed: 5)
        var configuration = Self.configuration(epochs: 500)
        configuration.patience = 3
        configuration.learningRate = 1e-2
        let model = try VAEModel(initializing: Self.architecture, seed: 5)
        let result = try Trainer.train(
            model, data: data, configuration: configuration, pool: ThreadPool(threadCount: 1))
        #expect(result.summary.stoppedEarly)
        #expect(result.history.count == result.summary.bestEpoch + 3)
        #expect(result.summary.validationRows == 40)
        let losses = result.history.compactMap(\.validationLoss)
        #expect(result.summary.validationLoss == losses.min())
        #expect(result.history.filter(\.improved).last?.epoch == result.summary.bestEpoch)
    }

    @Test("the progress callback sees every epoch and can stop training; that is not early stopping")
    func callbackStops() throws {
        let (data, _) = TrainingData.manifold(rows: 300, seed: 7)
        let model = try VAEModel(initializing: Self.architecture, seed: 7)
        var seen: [Int] = []
        let result = try Trainer.train(
            model, data: data, configuration: Self.configuration(epochs: 50), pool: ThreadPool(threadCount: 2)
        ) { report in
            seen.append(report.epoch)
            return report.epoch == 3 ? .stop : .proceed
        }
        #expect(seen == [1, 2, 3])
        #expect(result.history.count == 3)
        #expect(!result.summary.stoppedEarly)
    }

    @Test("the other modes train to finite, falling losses", arguments: 0..<4)
    func modes(mode: Int) throws {
        let (data, _) = TrainingData.manifold(rows: 500, seed: 6)
        var architecture = Self.architecture
        var configuration = Self.configuration(epochs: 8)
        switch mode {
        case 0: architecture.reconstruction = .gaussian
        case 1:
            architecture.beta = 0  // plain autoencoder
            configuration.sampling = false
        case 2: configuration.denoisingNoise = 0.2
        default:
            architecture.activation = .tanh
            configuration.weightDecay = 1e-3
            configuration.gradientClipNorm = 1
        }
        let model = try VAEModel(initializing: architecture, seed: 6)
        let result = try Trainer.train(
            model, data: data, configuration: configuration, pool: ThreadPool(threadCount: 2))
        let losses = result.history.map(\.trainingLoss)
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(losses.last! < losses.first!, "mode \(mode): \(losses)")
        #expect(result.model.parameters.allSatisfy { $0.isFinite })
    }

    @Test("bad data and bad settings are refused with a message that says what to do")
    func refusals() throws {
        let model = try VAEModel(initializing: Self.architecture, seed: 1)
        let pool = ThreadPool(threadCount: 1)
        var data = Matrix(rows: 4, cols: 16, repeating: 0.5)
        data[2, 7] = .nan
        let error = #expect(throws: TrainingError.self) {
            try Trainer.train(model, data: data, configuration: Self.configuration(), pool: pool)
        }
        #expect(error?.code == .badData)
        #expect(error?.description.contains("row 2 column 7") == true)
        #expect(throws: TrainingError.self) {
            try Trainer.train(model, data: Matrix(rows: 4, cols: 3), configuration: Self.configuration(), pool: pool)
        }
        var configuration = Self.configuration()
        configuration.learningRate = -1
        let invalid = #expect(throws: TrainingError.self) {
            try Trainer.train(model, data: Matrix(rows: 4, cols: 16), configuration: configuration, pool: pool)
        }
        #expect(invalid?.code == .invalidConfiguration)
        configuration = Self.configuration()
        configuration.learningRate = 1e30
        let diverged = #expect(throws: TrainingError.self) {
            try Trainer.train(
                model, data: TrainingData.manifold(rows: 100, seed: 1).data, configuration: configuration, pool: pool)
        }
        #expect(diverged?.code == .diverged)
    }
}
