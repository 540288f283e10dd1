import TestSupport
import FoundationEssentials
import Testing
import VAE

private typealias Fixtures = ModelFileFixtures

@Suite struct ModelFileFormatTests {
    @Test(arguments: [Fixtures.minimalHeader, Fixtures.fullHeader])
    func roundTripIsExact(header: ModelHeader) throws {
        let weights = Fixtures.weights(count: header.architecture.parameterCount)
        let bytes = try ModelFileFormat.encode(header: header, weights: weights)
        let decoded = try bytes.withUnsafeBytes { try ModelFileFormat.decode($0, source: "m.vaem") }
        #expect(decoded.header == header)
        #expect(decoded.weights.map(\.bitPattern) == weights.map(\.bitPattern))
        let again = try bytes.withUnsafeBytes {
            try ModelFileFormat.decode($0, source: "m.vaem", expectedFeatures: header.featureNames)
        }
        #expect(again.header == header)
    }

    @Test func floatsInTheHeaderRoundTripExactly() throws {
        var generator = Fixtures.Generator(seed: 3)
        func randomFinite() -> Float {
            while true {
                let value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
                if value.isFinite { return value }
            }
        }
        let width = 1000
        let architecture = Architecture(inputWidth: width, hiddenWidths: [2], latentWidth: 1)
        let header = ModelHeader(
            featureNames: (0..<width).map { "f\($0)" }, architecture: architecture,
            scaler: ScalerStatistics(
                mean: (0..<width).map { _ in randomFinite() },
                scale: (0..<width).map { _ in abs(randomFinite()) + .leastNonzeroMagnitude }),
            threshold: randomFinite(), seed: 9, createdAt: 1_700_000_000)
        let bytes = try ModelFileFormat.encode(
            header: header, weights: Fixtures.weights(count: architecture.parameterCount))
        let decoded = try bytes.withUnsafeBytes { try ModelFileFormat.decode($0, source: "m.vaem") }
        let scaler = try #require(decoded.header.scaler)
        #expect(scaler.mean.map(\.bitPattern) == header.scaler?.mean.map(\.bitPattern))
        #expect(scaler.scale.map(\.bitPattern) == header.scaler?.scale.map(\.bitPattern))
        #expect(decoded.header == header)
    }

    @Test func encodingIsDeterministic() throws {
        let first = try Fixtures.encoded(Fixtures.fullHeader)
        let second = try Fixtures.encoded(Fixtures.fullHeader)
        #expect(first == second)
        var rebuilt = Fixtures.fullHeader
        rebuilt.featureNames = rebuilt.featureNames.map { String($0.unicodeScalars) }
        #expect(try Fixtures.encoded(rebuilt) == first)
    }

    @Test func layoutMatchesTheSpecification() throws {
        let header = Fixtures.minimalHeader
        let weights = Fixtures.weights(count: 158)
        let bytes = try ModelFileFormat.encode(header: header, weights: weights)
        func integer<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T {
            bytes[offset..<(offset + MemoryLayout<T>.size)].reversed().reduce(0) { $0 << 8 | T($1) }
        }
        #expect(Array(bytes[0..<8]) == Array("VAEWMODL".utf8))
        #expect(integer(8, as: UInt32.self) == 1)
        let headerLength = Int(integer(12, as: UInt32.self))
        #expect(integer(16, as: UInt64.self) == 158)
        #expect(bytes.count == 24 + headerLength + 4 * 158 + 4)
        let json = Array(bytes[24..<(24 + headerLength)])
        #expect(String(decoding: json, as: UTF8.self).hasPrefix(#"{"architecture":{"activation":"relu","#))
        #expect(try JSONDecoder().decode(ModelHeader.self, from: Data(json)) == header)
        for index in [0, 1, 157] {
            #expect(integer(24 + headerLength + 4 * index, as: UInt32.self) == weights[index].bitPattern)
        }
        #expect(integer(bytes.count - 4, as: UInt32.self) == CRC32C.checksum(bytes.dropLast(4)))
    }

    @Test func encodeRefusesInconsistentModels() {
        let header = Fixtures.minimalHeader
        let weights = Fixtures.weights(count: 158)
        var nan = weights
        nan[3] = .nan
        #expect(Fixtures.encodeError(header, nan)?.code == .nonFiniteWeight)
        #expect(Fixtures.encodeError(header, nan)?.reason == "weight 3 is nan")
        var infinite = weights
        infinite[157] = -.infinity
        #expect(Fixtures.encodeError(header, infinite)?.reason == "weight 157 is -inf")
        #expect(Fixtures.encodeError(header, Array(weights.dropLast()))?.code == .weightCountMismatch)
        #expect(
            Fixtures.encodeError(header, weights + [0])?.reason
                == "the architecture needs 158 weights but there are 159")

        var invalid = header
        invalid.architecture.latentWidth = 0
        #expect(Fixtures.encodeError(invalid, weights)?.code == .invalidArchitecture)
        var names = header
        names.featureNames.removeLast()
        #expect(Fixtures.encodeError(names, weights)?.reason == "4 feature names for an input width of 5")
        var scaler = header
        scaler.scaler = ScalerStatistics(mean: [0, 0, 0, 0, 0], scale: [1, 1, 0, 1, 1])
        #expect(Fixtures.encodeError(scaler, weights)?.code == .badHeader)
        scaler.scaler = ScalerStatistics(mean: [0, 0, 0, 0], scale: [1, 1, 1, 1, 1])
        #expect(Fixtures.encodeError(scaler, weights)?.code == .badHeader)
        var threshold = header
        threshold.threshold = .nan
        #expect(Fixtures.encodeError(threshold, weights)?.reason == "the threshold is nan; it must be finite")
        var training = Fixtures.fullHeader
        training.training?.validationLoss = .infinity
        let fullWeights = Fixtures.weights(count: training.architecture.parameterCount)
        #expect(Fixtures.encodeError(training, fullWeights)?.reason == "the validation loss is inf; it must be finite")
        #expect(Fixtures.encodeError(header, nan)?.source == "(unsaved)")
    }

    @Test func newerVersionIsRefusedWithTheExactMessage() throws {
        var bytes = try Fixtures.encoded()
        bytes[8] = 3
        Fixtures.fixChecksum(&bytes)
        let error = try #require(Fixtures.decodeError(bytes, source: "/var/lib/vaewatch/m.vaem"))
        #expect(error.code == .unsupportedVersion)
        #expect(
            error.description
                == "model file /var/lib/vaewatch/m.vaem: unsupported format version 3; this build reads versions 1 "
                + "to 2. Upgrade vaewatch, or retrain with `vaewatch train` using this build")
    }

    @Test func unknownMagicIsRefusedWithTheExactMessage() throws {
        var bytes = try Fixtures.encoded()
        bytes.replaceSubrange(0..<8, with: Array("NOTAMODL".utf8))
        Fixtures.fixChecksum(&bytes)
        let error = try #require(Fixtures.decodeError(bytes))
        #expect(error.code == .badMagic)
        #expect(
            error.description
                == #"model file m.vaem: unknown magic 0x4e4f54414d4f444c; a model file starts with "VAEWMODL". "#
                + "Check that the path names a vaewatch model file")
    }

    @Test func differentFeaturesAreRefused() throws {
        let bytes = try Fixtures.encoded()
        let error = try #require(Fixtures.decodeError(bytes, expectedFeatures: ["a", "b", "c", "d", "x"]))
        #expect(error.code == .featureMismatch)
        #expect(
            error.description
                == #"model file m.vaem: features differ from the configuration: expected ["a", "b", "c", "d", "x"], "#
                + #"found ["a", "b", "c", "d", "e"]; first difference at position 5: "x" expected but "e" found. "#
                + "Retrain with `vaewatch train` on these features, or configure the features the model was trained on")
        let shorter = try #require(Fixtures.decodeError(bytes, expectedFeatures: ["a", "b", "c", "d"]))
        #expect(shorter.code == .featureMismatch)
        #expect(shorter.reason.hasSuffix(#"position 5: "e" found but no more features expected"#))
        let reordered = Fixtures.decodeError(bytes, expectedFeatures: ["b", "a", "c", "d", "e"])
        #expect(reordered?.code == .featureMismatch)
        #expect(Fixtures.decodeError(bytes, expectedFeatures: ["a", "b", "c", "d", "e"]) == nil)
    }

    @Test func longFeatureListsAreAbbreviated() throws {
        let names = (0..<40).map { "feature\($0)" }
        let header = ModelHeader(
            featureNames: names, architecture: Architecture(inputWidth: 40, hiddenWidths: [3], latentWidth: 2),
            seed: 0, createdAt: 0)
        let bytes = try Fixtures.encoded(header)
        let error = try #require(Fixtures.decodeError(bytes, expectedFeatures: names.dropLast() + ["other"]))
        #expect(error.code == .featureMismatch)
        #expect(error.reason.contains(#""feature31", … 8 more], found ["feature0", "feature1""#))
        #expect(error.reason.hasSuffix(#"position 40: "other" expected but "feature39" found"#))
        #expect(!error.reason.contains(#""feature32""#))
    }
}
