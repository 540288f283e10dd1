import TestSupport
import Testing
import VAE

/// The bit-at-a-time definition of CRC-32C, kept as the reference for the table-driven one.
private func referenceCRC32C(_ bytes: some Sequence<UInt8>, seed: UInt32 = 0) -> UInt32 {
    var crc = ~seed
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 {
            crc = (crc & 1) == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
    }
    return ~crc
}

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        // "123456789" is the standard check value; the 32-byte vectors are from RFC 3720, appendix B.4.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(referenceCRC32C(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func matchesTheBitwiseReferenceOnRandomBuffersAndAlignments() {
        var generator = ModelFileFixtures.Generator(seed: 7)
        let lengths = Array(0...70) + [127, 255, 257, 1021, 4099, 65_537]
        for length in lengths {
            let storage = (0..<(length + 7)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            storage.withUnsafeBytes { raw in
                for start in 0..<8 where start + length <= storage.count {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    let expected = referenceCRC32C(slice)
                    #expect(CRC32C.checksum(slice) == expected, "length \(length), offset \(start)")
                }
            }
        }
    }

    @Test func seedContinuesAChecksumAcrossBuffers() {
        var generator = ModelFileFixtures.Generator(seed: 11)
        let bytes = (0..<333).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = CRC32C.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 100, 332, 333] {
            let first = CRC32C.checksum(bytes[..<split])
            #expect(CRC32C.checksum(bytes[split...], seed: first) == whole, "split at \(split)")
        }
        #expect(CRC32C.checksum(bytes, seed: 0x1234_5678) == referenceCRC32C(bytes, seed: 0x1234_5678))
    }

    @Test func detectsEverySingleBitFlipOfABuffer() {
        var bytes = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let original = CRC32C.checksum(bytes)
        for bit in 0..<(bytes.count * 8) {
            bytes[bit / 8] ^= 1 << (bit % 8)
            #expect(CRC32C.checksum(bytes) != original, "bit \(bit)")
            bytes[bit / 8] ^= 1 << (bit % 8)
        }
        #expect(CRC32C.checksum(bytes) == original)
    }
}
