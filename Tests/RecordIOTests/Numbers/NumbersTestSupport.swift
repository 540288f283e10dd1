@testable import RecordIO
@testable import RecordParsing

/// Whether two parse results are equal, comparing floats by their bits so that -0 differs from 0.
func sameFloatBits(_ result: ParsedFloat, _ expected: ParsedFloat) -> Bool {
    switch (result, expected) {
    case (.value(let a), .value(let b)): a.bitPattern == b.bitPattern
    default: result == expected
    }
}
