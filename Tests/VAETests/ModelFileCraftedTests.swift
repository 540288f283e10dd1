import FoundationEssentials
import Testing
import VAE

private typealias Fixtures = ModelFileFixtures

/// Files built by hand with a valid checksum, whose prefix or contents are wrong.
@Suite struct ModelFileCraftedTests {
    /// The 24-byte prefix declaring `headerLength` and `weightCount`.
    private func prefix(headerLength: UInt32, weightCount: UInt64) -> [UInt8] {
        var bytes = Array("VAEWMODL".utf8)
        Fixtures.append(UInt32(1), to: &bytes)
        Fixtures.append(headerLength, to: &bytes)
        Fixtures.append(weightCount, to: &bytes)
        return bytes
    }

    private func expectedLengthError(_ prefix: [UInt8]) -> ModelFileError? {
        do {
            _ = try prefix.withUnsafeBufferPointer { (buffer) throws(ModelFileError) in
                try ModelFileFormat.expectedLength(prefix: UnsafeRawBufferPointer(buffer), source: "m.vaem")
            }
            return nil
        } catch {
            return error
        }
    }

    @Test func absurdLengthsAreRefusedFromThePrefixAlone() throws {
        let huge = expectedLengthError(prefix(headerLength: 100, weightCount: 1 << 63))
        #expect(huge?.code == .absurdLength)
        #expect(huge?.reason == "weight count 9223372036854775808 exceeds the limit of 268435456")
        #expect(expectedLengthError(prefix(headerLength: 100, weightCount: .max))?.code == .absurdLength)
        let header = expectedLengthError(prefix(headerLength: .max, weightCount: 10))
        #expect(header?.reason == "header length 4294967295 exceeds the limit of 16777216 bytes")
        #expect(expectedLengthError(prefix(headerLength: (1 << 24) + 1, weightCount: 0))?.code == .absurdLength)
        #expect(expectedLengthError(prefix(headerLength: 1, weightCount: (1 << 28) + 1))?.code == .absurdLength)
        #expect(expectedLengthError(Array(prefix(headerLength: 1, weightCount: 1).prefix(23)))?.code == .truncated)

        let largest = prefix(headerLength: 1 << 24, weightCount: 1 << 28)
        let length = try largest.withUnsafeBytes { try ModelFileFormat.expectedLength(prefix: $0, source: "m.vaem") }
        #expect(length == 24 + (1 << 24) + 4 * (1 << 28) + 4)

        // A whole 28-byte "file" declaring 2⁶³ weights: refused from its prefix, before anything is sized by it.
        let crafted = Fixtures.craft(header: [], weightCount: 1 << 63, weightBits: [])
        #expect(crafted.count == 28)
        #expect(Fixtures.decodeError(crafted)?.code == .absurdLength)
        let plausible = Fixtures.craft(header: [], weightCount: 1 << 27, weightBits: [])
        #expect(Fixtures.decodeError(plausible)?.reason == "truncated: expected \(28 + (1 << 29)) bytes, found 28")
    }

    @Test func malformedJSONIsRefused() throws {
        let garbage = Fixtures.craft(header: Array("not json".utf8), weightBits: [])
        #expect(Fixtures.decodeError(garbage)?.code == .badHeader)
        let empty = Fixtures.craft(header: [], weightBits: [])
        #expect(Fixtures.decodeError(empty)?.code == .badHeader)

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(Fixtures.minimalHeader), as: UTF8.self)
        let withoutSeed = json.replacing(#","seed":1"#, with: "")
        #expect(withoutSeed != json)
        let weights = Fixtures.weights(count: 158).map(\.bitPattern)
        let missing = Fixtures.craft(header: Array(withoutSeed.utf8), weightBits: weights)
        #expect(Fixtures.decodeError(missing)?.reason == #"the JSON header does not decode: missing field "seed""#)
        let invalidUTF8 = Fixtures.craft(header: Array(json.utf8.dropLast()) + [0xFF, 0x7D], weightBits: weights)
        #expect(Fixtures.decodeError(invalidUTF8)?.code == .badHeader)
    }

    @Test func inconsistentHeadersAreRefused() throws {
        var header = Fixtures.minimalHeader
        let weights = Fixtures.weights(count: 158)
        func error(_ header: ModelHeader, _ weights: [Float]) throws -> ModelFileError? {
            Fixtures.decodeError(try Fixtures.craft(header: header, weights: weights))
        }
        #expect(try error(header, weights) == nil)
        #expect(try error(header, Array(weights.dropLast()))?.code == .weightCountMismatch)

        header.architecture.inputWidth = 0
        #expect(
            try error(header, weights)?.reason
                == "invalid architecture: input width is 0; it must be between 1 and 65536")
        header.architecture = Architecture(inputWidth: 5, hiddenWidths: [Int.max, Int.max], latentWidth: 3)
        #expect(try error(header, weights)?.code == .invalidArchitecture)
        header.architecture = Architecture(inputWidth: 5, hiddenWidths: Array(repeating: 2, count: 17), latentWidth: 3)
        #expect(try error(header, weights)?.code == .invalidArchitecture)

        header = Fixtures.minimalHeader
        header.featureNames = ["a", "b", "c", "d", "e", "f"]
        #expect(try error(header, weights)?.reason == "6 feature names for an input width of 5")
        header = Fixtures.minimalHeader
        header.scaler = ScalerStatistics(mean: [0, 0, 0, 0, 0], scale: [1, 1, 1, -1, 1])
        #expect(
            try error(header, weights)?.reason
                == "the scaler scale of feature 3 is -1.0; it must be finite and positive")
        header.scaler = ScalerStatistics(mean: [0, 0, 0], scale: [1, 1, 1, 1, 1])
        #expect(try error(header, weights)?.reason == "the scaler has 3 means and 5 scales for 5 features")
    }

    @Test func nonFiniteWeightsAreRefusedBehindAValidChecksum() throws {
        var weights = Fixtures.weights(count: 158)
        weights[3] = .nan
        let nan = try Fixtures.craft(header: Fixtures.minimalHeader, weights: weights)
        let error = try #require(Fixtures.decodeError(nan))
        #expect(error.code == .nonFiniteWeight)
        #expect(
            error.description
                == "model file m.vaem: weight 3 is nan. Restore a previous model file or retrain with `vaewatch train`")
        weights[3] = 0
        weights[100] = .infinity
        let infinite = try Fixtures.craft(header: Fixtures.minimalHeader, weights: weights)
        #expect(Fixtures.decodeError(infinite)?.reason == "weight 100 is inf")
        weights[100] = 0
        #expect(Fixtures.decodeError(try Fixtures.craft(header: Fixtures.minimalHeader, weights: weights)) == nil)
    }
}
