import TestSupport
import FoundationEssentials
import Testing
import VAE

private typealias Fixtures = ModelFileFixtures

/// Damaged, truncated, crafted and absurd model files: every one is refused with the right code.
@Suite struct ModelFileCorruptionTests {
    @Test func everyTruncationIsRefused() throws {
        let bytes = try Fixtures.encoded(Fixtures.fullHeader)
        let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8
        let lengths =
            Array(0..<(24 + headerLength + 64)) + Array(stride(from: 24 + headerLength + 64, to: bytes.count, by: 7))
        for length in lengths {
            let error = Fixtures.decodeError(Array(bytes[..<length]))
            #expect(error?.code == .truncated, "length \(length)")
            let reason =
                length < 28
                ? "truncated: expected at least 28 bytes, found \(length)"
                : "truncated: expected \(bytes.count) bytes, found \(length)"
            #expect(error?.reason == reason, "length \(length)")
        }
        #expect(Fixtures.decodeError(bytes) == nil)
    }

    @Test func trailingBytesAreRefused() throws {
        let bytes = try Fixtures.encoded()
        let error = Fixtures.decodeError(bytes + [0])
        #expect(error?.code == .trailingData)
        #expect(error?.reason == "trailing data: expected \(bytes.count) bytes, found \(bytes.count + 1)")
    }

    /// The code a flip of `bit` in `bytes` must produce, from where the bit lies.
    private func expectedCode(flipping bit: Int, in bytes: [UInt8], flipped: [UInt8]) -> ModelFileError.Code {
        func integer(_ range: Range<Int>) -> UInt64 { flipped[range].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        switch bit / 8 {
        case 0..<8: return .badMagic
        case 8..<12: return .unsupportedVersion
        case 12..<24:
            let headerLength = integer(12..<16)
            let weightCount = integer(16..<24)
            if headerLength > ModelFileFormat.maximumHeaderLength || weightCount > ModelFileFormat.maximumWeightCount {
                return .absurdLength
            }
            return 28 + headerLength + 4 * weightCount < bytes.count ? .trailingData : .truncated
        default: return .checksumMismatch
        }
    }

    @Test func everySingleBitFlipIsRefused() throws {
        let bytes = try Fixtures.encoded(Fixtures.fullHeader)
        var flipped = bytes
        var counts: [ModelFileError.Code: Int] = [:]
        for bit in 0..<(bytes.count * 8) {
            flipped[bit / 8] ^= 1 << (bit % 8)
            let error = Fixtures.decodeError(flipped)
            let expected = expectedCode(flipping: bit, in: bytes, flipped: flipped)
            #expect(error?.code == expected, "bit \(bit) of \(bytes.count * 8)")
            counts[expected, default: 0] += 1
            flipped[bit / 8] ^= 1 << (bit % 8)
        }
        #expect(flipped == bytes)
        #expect(counts[.checksumMismatch] == (bytes.count - 24) * 8)
        #expect(counts[.absurdLength, default: 0] > 0 && counts[.truncated, default: 0] > 0)
    }

    @Test func checksumMismatchNamesBothValues() throws {
        var bytes = try Fixtures.encoded()
        bytes[bytes.count - 1] ^= 0x80
        let stored = bytes.suffix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let computed = CRC32C.checksum(bytes.dropLast(4))
        func hex(_ value: UInt32) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 8 - digits.count) + digits
        }
        #expect(stored != computed)
        let error = Fixtures.decodeError(bytes)
        #expect(error?.code == .checksumMismatch)
        #expect(error?.reason == "checksum mismatch: stored 0x\(hex(stored)), computed 0x\(hex(computed))")
    }

    @Test func randomDamageWithoutAChecksumFixIsRefused() throws {
        let bytes = try Fixtures.encoded()
        var generator = Fixtures.Generator(seed: 5)
        for trial in 0..<2000 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                damaged[index] ^= UInt8.random(in: 1...255, using: &generator)
            }
            #expect(Fixtures.decodeError(damaged) != nil, "trial \(trial)")
        }
    }

    @Test func damageBehindAValidChecksumIsRefusedOrYieldsAConsistentModel() throws {
        let bytes = try Fixtures.encoded(Fixtures.fullHeader)
        var generator = Fixtures.Generator(seed: 6)
        let allowed: Set<ModelFileError.Code> = [
            .badHeader, .invalidArchitecture, .weightCountMismatch, .nonFiniteWeight,
        ]
        for trial in 0..<3000 {
            var damaged = bytes
            let index = Int.random(in: 24..<(bytes.count - 4), using: &generator)
            damaged[index] = UInt8.random(in: 0...255, using: &generator)
            Fixtures.fixChecksum(&damaged)
            do {
                let model = try damaged.withUnsafeBytes { try ModelFileFormat.decode($0, source: "m.vaem") }
                #expect(model.weights.count == model.header.architecture.parameterCount, "trial \(trial)")
                #expect(model.weights.allSatisfy { $0.isFinite }, "trial \(trial)")
                #expect(model.header.featureNames.count == model.header.architecture.inputWidth, "trial \(trial)")
            } catch let error as ModelFileError {
                #expect(allowed.contains(error.code), "trial \(trial): \(error)")
            }
        }
    }
}
