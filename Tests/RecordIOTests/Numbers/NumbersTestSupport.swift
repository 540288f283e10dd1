@testable import RecordIO

/// A seeded splitmix64 generator, so that random tests are repeatable.
struct NumbersSplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Whether two parse results are equal, comparing floats by their bits so that -0 differs from 0.
func sameFloatBits(_ result: ParsedFloat, _ expected: ParsedFloat) -> Bool {
    switch (result, expected) {
    case (.value(let a), .value(let b)): a.bitPattern == b.bitPattern
    default: result == expected
    }
}
