import Compute
import FoundationEssentials
import TestSupport
import Testing
import VAE

private typealias Fixtures = ModelFileFixtures

/// Format version 2: a network with conditioning inputs (a time context) and its time column. Files without them stay
/// version 1, byte for byte as before, so that older builds read them and this build reads theirs.
@Suite struct ModelFileTimeContextTests {
    /// The small network with 4 conditioning inputs, and its header naming the time column.
    static let timedHeader: ModelHeader = {
        var architecture = Fixtures.smallArchitecture
        architecture.conditionWidth = 4
        return ModelHeader(
            featureNames: ["a", "b", "c", "d", "e"], architecture: architecture, seed: 1, createdAt: 0,
            timeColumn: "ts")
    }()

    @Test("a model without conditions is written as version 1, its header without the new keys")
    func plainModelsKeepVersionOne() throws {
        let bytes = try Fixtures.encoded(Fixtures.minimalHeader)
        #expect(bytes[8] == 1)
        let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8
        let json = String(decoding: bytes[24..<(24 + headerLength)], as: UTF8.self)
        #expect(!json.contains("conditionWidth") && !json.contains("timeColumn"), "\(json)")
        // What a build before version 2 wrote: the same header decodes to no conditions and no time column.
        let decoded = try bytes.withUnsafeBytes { try ModelFileFormat.decode($0, source: "m.vaem") }
        #expect(decoded.header.architecture.conditionWidth == 0)
        #expect(decoded.header.timeColumn == nil)
    }

    @Test("a model with a time context is written as version 2 and reads back exactly")
    func timedModelsRoundTrip() throws {
        let header = Self.timedHeader
        // The encoder's first layer takes 5 + 4 inputs, the decoder's 3 + 4: 158 + 4·7 + 4·7 parameters.
        #expect(header.architecture.parameterCount == 158 + 28 + 28)
        let weights = Fixtures.weights(count: header.architecture.parameterCount)
        let bytes = try ModelFileFormat.encode(header: header, weights: weights)
        #expect(bytes[8] == 2)
        let decoded = try bytes.withUnsafeBytes { try ModelFileFormat.decode($0, source: "m.vaem") }
        #expect(decoded.header == header)
        #expect(decoded.weights.map(\.bitPattern) == weights.map(\.bitPattern))
    }

    @Test("a header whose conditions and time column disagree is refused, saying how")
    func inconsistentHeadersAreRefused() throws {
        var noColumn = Self.timedHeader
        noColumn.timeColumn = nil
        let weights = Fixtures.weights(count: noColumn.architecture.parameterCount)
        #expect(
            Fixtures.encodeError(noColumn, weights)?.reason
                == "the network takes 4 conditioning inputs but the header names no time column")
        var noConditions = Fixtures.minimalHeader
        noConditions.timeColumn = "ts"
        #expect(
            Fixtures.encodeError(noConditions, Fixtures.weights(count: 158))?.reason
                == #"the header names time column "ts" but the network takes no conditioning inputs"#)
        var feature = Self.timedHeader
        feature.timeColumn = "c"
        #expect(Fixtures.encodeError(feature, weights)?.reason == #"time column "c" is also a feature"#)
        // Crafted past the encoder, the decoder refuses it too.
        let crafted = try Fixtures.craft(header: noColumn, weights: weights)
        #expect(Fixtures.decodeError(crafted)?.code == .badHeader)
    }

    @Test("a conditional network's scores depend on its conditions; its decoder takes them beside z")
    func conditionsReachEncoderAndDecoder() throws {
        let architecture = Architecture(
            inputWidth: 3, hiddenWidths: [6], latentWidth: 2, reconstruction: .gaussian, beta: 1, conditionWidth: 2)
        let model = try VAEModel(initializing: architecture, seed: 4)
        let x = Matrix(rows: 2, cols: 3, storage: [0.5, -1, 0.25, 0.5, -1, 0.25])  // one record, twice
        let conditions = Matrix(rows: 2, cols: 2, storage: [1, 0, -1, 0])
        let scores = model.score(x, conditions: conditions)
        #expect(scores.score[0] != scores.score[1], "the same record at two conditions scores the same")
        let z = Matrix(rows: 2, cols: 2, storage: [0.3, -0.2, 0.3, -0.2])
        let decoded = model.decode(z, conditions: conditions)  // [2, 3]
        #expect(decoded.rows == 2 && decoded.cols == 3)
        #expect(Array(decoded.storage[0..<3]) != Array(decoded.storage[3..<6]))
    }

    @Test("training refuses a conditional network without its conditions, or with non-finite ones")
    func trainingNeedsConditions() throws {
        let architecture = Architecture(inputWidth: 2, hiddenWidths: [4], latentWidth: 1, conditionWidth: 1)
        let model = try VAEModel(initializing: architecture, seed: 1)
        let data = Matrix(rows: 4, cols: 2, storage: [0, 1, 1, 0, 0.5, 0.5, 1, 1])
        let pool = ThreadPool(threadCount: 1)
        var configuration = TrainingConfiguration()
        configuration.epochs = 1
        #expect(throws: TrainingError.self) {
            try Trainer.train(model, data: data, configuration: configuration, pool: pool)
        }
        let bad = Matrix(rows: 4, cols: 1, storage: [0, .nan, 1, 2])
        do {
            _ = try Trainer.train(model, data: data, conditions: bad, configuration: configuration, pool: pool)
            Issue.record("non-finite conditions were trained on")
        } catch {
            #expect(error.description.contains("row 1 condition 0 is nan"), "\(error.description)")
        }
        let good = Matrix(rows: 4, cols: 1, storage: [0, 1, 1, 2])
        let trained = try Trainer.train(
            model, data: data, conditions: good, configuration: configuration, pool: pool)
        #expect(trained.model.architecture.conditionWidth == 1)
    }
}
