import Compute
import TestSupport
import FoundationEssentials
import VAE

/// Headers, weights and hand-built files for the model-file tests.
enum ModelFileFixtures {
    /// A small network: 5 → 7 → (3, 3) → 7 → 5, 158 parameters.
    static let smallArchitecture = Architecture(inputWidth: 5, hiddenWidths: [7], latentWidth: 3)

    /// A header with only the required fields.
    static let minimalHeader = ModelHeader(
        featureNames: ["a", "b", "c", "d", "e"], architecture: smallArchitecture, seed: 1, createdAt: 0)

    /// A header with every optional field set, awkward feature names, extreme integers and floats whose
    /// decimal forms are long.
    static let fullHeader: ModelHeader = {
        let architecture = Architecture(
            inputWidth: 4, hiddenWidths: [6, 5], latentWidth: 2, activation: .tanh, reconstruction: .gaussian,
            beta: 0.3)
        return ModelHeader(
            featureNames: ["cpu \"user\" %", "mémoire/Go", "線程\\count", "😀\n\t\u{0}"],
            architecture: architecture,
            scaler: ScalerStatistics(
                mean: [0.1, -1e-38, 3.4028235e38, .leastNonzeroMagnitude],
                scale: [1 / 3, 1e-7, .leastNormalMagnitude, 123_456.79]),
            threshold: 17.123457,
            training: TrainingSummary(
                trainingRows: 9000, validationRows: 1000, epochs: 40, bestEpoch: 33, trainingLoss: 0.12345678,
                validationLoss: 0.13, activeLatentUnits: 2, stoppedEarly: true),
            seed: .max,
            createdAt: .min)
    }()

    /// `count` deterministic weights in about [-1, 1], with a few awkward values mixed in.
    static func weights(count: Int, seed: UInt64 = 42) -> [Float] {
        var generator = Generator(seed: seed)
        let special: [Float] = [-0.0, .leastNonzeroMagnitude, -.greatestFiniteMagnitude, .ulpOfOne]
        return (0..<count).map { index in
            index < special.count ? special[index] : Float.random(in: -1...1, using: &generator)
        }
    }

    /// The encoding of `header` with its deterministic weights.
    static func encoded(_ header: ModelHeader = minimalHeader) throws -> [UInt8] {
        try ModelFileFormat.encode(header: header, weights: weights(count: header.architecture.parameterCount))
    }

    /// Builds a file from parts without the encoder, with a correct CRC unless `checksum` is given.
    static func craft(
        magic: [UInt8] = Array("VAEWMODL".utf8), version: UInt32 = 1, header: [UInt8], weightCount: UInt64? = nil,
        weightBits: [UInt32], checksum: UInt32? = nil
    ) -> [UInt8] {
        var bytes = magic
        append(version, to: &bytes)
        append(UInt32(header.count), to: &bytes)
        append(weightCount ?? UInt64(weightBits.count), to: &bytes)
        bytes += header
        for bits in weightBits { append(bits, to: &bytes) }
        append(checksum ?? CRC32C.checksum(bytes), to: &bytes)
        return bytes
    }

    /// A file holding `header` as sorted-key JSON and `weights`, crafted without the encoder's checks.
    static func craft(header: ModelHeader, weights: [Float]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return craft(header: Array(try encoder.encode(header)), weightBits: weights.map(\.bitPattern))
    }

    /// Overwrites the trailing CRC-32C so that it matches the rest of `bytes`.
    static func fixChecksum(_ bytes: inout [UInt8]) {
        let crc = CRC32C.checksum(bytes.dropLast(4))
        for index in 0..<4 { bytes[bytes.count - 4 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
    }

    /// Appends `value` little-endian.
    static func append(_ value: some FixedWidthInteger, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    /// The error `decode` throws for `bytes`, or nil if it accepts them.
    static func decodeError(
        _ bytes: [UInt8], source: String = "m.vaem", expectedFeatures: [String]? = nil
    ) -> ModelFileError? {
        do {
            _ = try bytes.withUnsafeBufferPointer { (buffer) throws(ModelFileError) in
                try ModelFileFormat.decode(
                    UnsafeRawBufferPointer(buffer), source: source, expectedFeatures: expectedFeatures)
            }
            return nil
        } catch {
            return error
        }
    }

    /// The error `encode` throws, or nil if it succeeds.
    static func encodeError(_ header: ModelHeader, _ weights: [Float]) -> ModelFileError? {
        do {
            _ = try ModelFileFormat.encode(header: header, weights: weights)
            return nil
        } catch {
            return error
        }
    }

    /// A small deterministic generator, so failures reproduce.
    typealias Generator = SplitMix64
}
