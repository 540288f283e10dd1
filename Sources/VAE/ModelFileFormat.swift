import FoundationEssentials

/// The byte layout of a model file, and its encoder and decoder. No I/O: the `Checkpoint` module reads
/// and writes the bytes.
///
/// All integers are little-endian:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic `VAEWMODL` |
/// | 8 | 4 | format version (`UInt32`): 1, or 2 for a model with conditioning inputs (a time context) |
/// | 12 | 4 | header length H (`UInt32`) |
/// | 16 | 8 | weight count W (`UInt64`) |
/// | 24 | H | ``ModelHeader`` as UTF-8 JSON with sorted keys |
/// | 24 + H | 4 W | weights, `Float32` |
/// | end − 4 | 4 | CRC-32C of every preceding byte (`UInt32`) |
public enum ModelFileFormat {
    /// The first 8 bytes of every model file: `VAEWMODL`.
    public static let magic: [UInt8] = Array("VAEWMODL".utf8)
    /// The newest format version this build reads and writes. Version 2 adds the network's conditioning inputs
    /// (``Architecture/conditionWidth``) and their ``ModelHeader/timeColumn`` to the header; a model without them is
    /// written as version 1, byte for byte as before, so that older builds still read it, while they refuse a
    /// version 2 file with "unsupported format version" rather than misread its network.
    public static let currentVersion: UInt32 = 2
    /// The versions this build reads.
    public static let readableVersions: ClosedRange<UInt32> = 1...currentVersion

    /// The version a file of `header` is written as: the oldest that holds everything in it.
    static func version(of header: ModelHeader) -> UInt32 {
        header.architecture.conditionWidth > 0 || header.timeColumn != nil ? 2 : 1
    }
    /// Bytes before the JSON header: magic, version, header length and weight count.
    public static let prefixLength = 24
    /// Bytes of the trailing CRC-32C.
    public static let checksumLength = 4
    /// Largest JSON header accepted, in bytes (16 MiB).
    public static let maximumHeaderLength = 16 << 20
    /// Largest weight count accepted (2²⁸, 1 GiB of weights).
    public static let maximumWeightCount = 1 << 28

    /// Source name used in errors thrown by ``encode(header:weights:)``.
    static let unsavedSource = "(unsaved)"

    /// Encodes a model into the bytes of a model file. The output depends only on the arguments.
    ///
    /// Refuses an invalid architecture, a header whose fields disagree with it, a weight count that is
    /// not `header.architecture.parameterCount`, and non-finite weights.
    public static func encode(header: ModelHeader, weights: [Float]) throws(ModelFileError) -> [UInt8] {
        let source = unsavedSource
        try checkHeader(header, weightCount: weights.count, source: source, remedy: ModelFileError.fixCaller)
        if let index = weights.firstIndex(where: { !$0.isFinite }) {
            throw ModelFileError(
                code: .nonFiniteWeight, source: source, reason: "weight \(index) is \(weights[index])",
                remedy: "Training diverged; lower the learning rate or check the input data, then retrain")
        }
        guard weights.count <= maximumWeightCount else {
            throw ModelFileError(
                code: .absurdLength, source: source,
                reason: "\(weights.count) weights exceed the limit of \(maximumWeightCount)",
                remedy: "Choose a smaller architecture")
        }
        let json: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            json = Array(try encoder.encode(header))
        } catch {
            throw ModelFileError(
                code: .badHeader, source: source, reason: "the header cannot be encoded as JSON: \(error)",
                remedy: ModelFileError.fixCaller)
        }
        guard json.count <= maximumHeaderLength else {
            throw ModelFileError(
                code: .absurdLength, source: source,
                reason: "the header is \(json.count) bytes; the limit is \(maximumHeaderLength)",
                remedy: "Use fewer or shorter feature names")
        }
        let weightsStart = prefixLength + json.count
        let checksumStart = weightsStart + 4 * weights.count
        var bytes = [UInt8](repeating: 0, count: checksumStart + checksumLength)
        bytes.withUnsafeMutableBytes { raw in
            raw.copyBytes(from: magic)
            raw.storeBytes(of: version(of: header).littleEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: UInt32(json.count).littleEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: UInt64(weights.count).littleEndian, toByteOffset: 16, as: UInt64.self)
            UnsafeMutableRawBufferPointer(rebasing: raw[prefixLength..<weightsStart]).copyBytes(from: json)
            for (index, weight) in weights.enumerated() {
                raw.storeBytes(
                    of: weight.bitPattern.littleEndian, toByteOffset: weightsStart + 4 * index, as: UInt32.self)
            }
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<checksumStart]))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: checksumStart, as: UInt32.self)
        }
        return bytes
    }

    /// Returns the exact length of the file whose first ``prefixLength`` bytes are `prefix`, after checking
    /// the magic, the version and both declared lengths against the limits. Lets a reader refuse an absurd
    /// or truncated file before allocating a buffer for it.
    ///
    /// - Parameter source: the file path or stream name, for the error message.
    public static func expectedLength(prefix: UnsafeRawBufferPointer, source: String) throws(ModelFileError) -> Int {
        guard prefix.count >= prefixLength else {
            throw .refused(
                .truncated, source,
                "truncated: expected at least \(prefixLength + checksumLength) bytes, found \(prefix.count)")
        }
        guard prefix.prefix(magic.count).elementsEqual(magic) else {
            let found = prefix.prefix(magic.count).map { hexByte($0) }.joined()
            throw .refused(.badMagic, source, "unknown magic 0x\(found); a model file starts with \"VAEWMODL\"")
        }
        let version = UInt32(littleEndian: prefix.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard readableVersions.contains(version) else {
            throw .refused(
                .unsupportedVersion, source,
                "unsupported format version \(version); this build reads versions \(readableVersions.lowerBound) to "
                    + "\(readableVersions.upperBound)")
        }
        let headerLength = UInt32(littleEndian: prefix.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        guard headerLength <= maximumHeaderLength else {
            throw .refused(
                .absurdLength, source,
                "header length \(headerLength) exceeds the limit of \(maximumHeaderLength) bytes")
        }
        let weightCount = UInt64(littleEndian: prefix.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        guard weightCount <= maximumWeightCount, let count = Int(exactly: weightCount) else {
            throw .refused(
                .absurdLength, source, "weight count \(weightCount) exceeds the limit of \(maximumWeightCount)")
        }
        let (weightBytes, overflow1) = count.multipliedReportingOverflow(by: 4)
        let (body, overflow2) = Int(headerLength).addingReportingOverflow(weightBytes)
        let (total, overflow3) = body.addingReportingOverflow(prefixLength + checksumLength)
        guard !overflow1, !overflow2, !overflow3 else {
            throw .refused(
                .absurdLength, source, "header length \(headerLength) and weight count \(weightCount) overflow")
        }
        return total
    }

    /// Decodes and checks the bytes of a whole model file.
    ///
    /// Checks, in order: the minimum length, magic, version, exact length, CRC-32C, JSON header, architecture,
    /// weight count, feature count and scaler, finite weights, and, when `expectedFeatures` is given, that the
    /// feature names equal it. The first failure is thrown.
    ///
    /// - Parameters:
    ///   - source: the file path or stream name, for error messages.
    ///   - expectedFeatures: the feature names the caller will feed the model, in column order.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, source: String, expectedFeatures: [String]? = nil
    ) throws(ModelFileError) -> (header: ModelHeader, weights: [Float]) {
        let minimum = prefixLength + checksumLength
        guard bytes.count >= minimum else {
            throw .refused(.truncated, source, "truncated: expected at least \(minimum) bytes, found \(bytes.count)")
        }
        let expected = try expectedLength(prefix: bytes, source: source)
        guard bytes.count == expected else {
            throw lengthMismatch(expected: expected, found: bytes.count, source: source)
        }
        let checksumStart = bytes.count - checksumLength
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: checksumStart, as: UInt32.self))
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<checksumStart]))
        guard stored == computed else {
            throw .refused(
                .checksumMismatch, source,
                "checksum mismatch: stored 0x\(hexWord(stored)), computed 0x\(hexWord(computed))")
        }
        let headerLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        let weightsStart = prefixLength + headerLength
        let weightCount = (checksumStart - weightsStart) / 4
        let header: ModelHeader
        do {
            let json = Data(UnsafeRawBufferPointer(rebasing: bytes[prefixLength..<weightsStart]))
            header = try JSONDecoder().decode(ModelHeader.self, from: json)
        } catch {
            throw .refused(.badHeader, source, "the JSON header does not decode: \(describe(error))")
        }
        try checkHeader(header, weightCount: weightCount, source: source, remedy: ModelFileError.restoreOrRetrain)
        let weights = [Float](unsafeUninitializedCapacity: weightCount) { buffer, initialized in
            for index in 0..<weightCount {
                let bits = bytes.loadUnaligned(fromByteOffset: weightsStart + 4 * index, as: UInt32.self)
                buffer[index] = Float(bitPattern: UInt32(littleEndian: bits))
            }
            initialized = weightCount
        }
        if let index = weights.firstIndex(where: { !$0.isFinite }) {
            throw .refused(.nonFiniteWeight, source, "weight \(index) is \(weights[index])")
        }
        if let expectedFeatures, expectedFeatures != header.featureNames {
            throw .refused(
                .featureMismatch, source, featureDifference(expected: expectedFeatures, found: header.featureNames))
        }
        return (header, weights)
    }
}
