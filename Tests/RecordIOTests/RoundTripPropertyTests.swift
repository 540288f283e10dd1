import TestSupport
import Testing

@testable import RecordIO
@testable import RecordParsing

/// The round-trip property of RELIABILITY.md I14: a finite row written with ``FloatFormatter`` as a CSV line
/// or a JSON object parses back to the same bits, and missing values stay missing.
@Suite struct RoundTripPropertyTests {
    /// A row: each value, or nil when missing.
    private typealias Row = [Float?]

    private static let rowCount = 10_000

    /// A random finite value: any bit pattern, subnormals, zeros of both signs, values near the largest
    /// finite magnitude, short decimals; nil (missing) one time in eight.
    private func value(_ generator: inout SplitMix64) -> Float? {
        let sign: UInt32 = Bool.random(using: &generator) ? 0x8000_0000 : 0
        switch Int.random(in: 0..<8, using: &generator) {
        case 0: return nil
        case 1: return Float(bitPattern: sign | UInt32.random(in: 1...0x007F_FFFF, using: &generator))
        case 2: return Float(bitPattern: sign)
        case 3: return Float(bitPattern: sign | (0x7F7F_FFFF - UInt32.random(in: 0...1000, using: &generator)))
        case 4: return Float(Int.random(in: -100_000...100_000, using: &generator)) / 100
        default:
            let bits = UInt32.random(in: 0...0x7F7F_FFFF, using: &generator)
            return Float(bitPattern: sign | bits)
        }
    }

    private func rows() -> [Row] {
        var generator = SplitMix64(seed: 0x1_4D5A)
        return (0..<Self.rowCount).map { _ in
            let width = Int.random(in: 1...40, using: &generator)
            var row = (0..<width).map { _ in value(&generator) }
            // A CSV line of one missing value is a blank line, which is skipped rather than read as a row.
            if width == 1, row[0] == nil { row[0] = 1 }
            return row
        }
    }

    private func formatted(_ value: Float) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: FloatFormatter.maximumLength) { buffer, count in
            count = FloatFormatter.write(value, to: buffer.baseAddress!)
        }
    }

    /// Whether `parsed` holds exactly `row`: the same bits where observed, 0 and unobserved where missing.
    private func holds(_ parsed: RecordIOParsedLine, _ row: Row) -> Bool {
        guard parsed.missing == row.filter({ $0 == nil }).count else { return false }
        for (j, value) in row.enumerated() {
            if let value {
                guard parsed.observed[j] == 1, parsed.features[j].bitPattern == value.bitPattern else { return false }
            } else {
                guard parsed.observed[j] == 0, parsed.features[j].bitPattern == 0 else { return false }
            }
        }
        return true
    }

    private func plans(upTo width: Int) throws -> [ColumnPlan] {
        try (1...width).map { w in try RecordIOFixtures.plan((0..<w).map { "f\($0)" }) }
    }

    @Test func csvLinesParseBackToTheSameBits() throws {
        let plans = try plans(upTo: 40)
        var failures: [String] = []
        for row in rows() {
            var line: [UInt8] = []
            for (j, value) in row.enumerated() {
                if j > 0 { line.append(UInt8(ascii: ",")) }
                if let value { line += formatted(value) }
            }
            let parsed = RecordIOFixtures.csv(line, plan: plans[row.count - 1])
            if !holds(parsed, row) {
                failures.append("\(String(decoding: line, as: UTF8.self)) gave \(parsed.outcome) \(parsed.features)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) rows differ; first: \(failures.prefix(3))")
    }

    @Test func jsonObjectsParseBackToTheSameBits() throws {
        let plans = try plans(upTo: 40)
        var generator = SplitMix64(seed: 99)
        var failures: [String] = []
        for row in rows() {
            // Keys in a random order; a missing value is null or left out.
            var members: [[UInt8]] = []
            for j in (0..<row.count).shuffled(using: &generator) {
                let name = Array("\"f\(j)\":".utf8)
                if let value = row[j] {
                    members.append(name + formatted(value))
                } else if Bool.random(using: &generator) {
                    members.append(name + Array("null".utf8))
                }
            }
            let line = Array("{".utf8) + Array(members.joined(separator: Array(",".utf8))) + Array("}".utf8)
            let parsed = RecordIOFixtures.json(line, plan: plans[row.count - 1])
            if !holds(parsed, row) {
                failures.append("\(String(decoding: line, as: UTF8.self)) gave \(parsed.outcome) \(parsed.features)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) rows differ; first: \(failures.prefix(3))")
    }

    @Test func generatorCoversTheInterestingValues() {
        let values = rows().joined()
        #expect(values.count > 100_000)
        #expect(values.contains { $0 == nil })
        #expect(values.contains { $0.map { $0 == 0 && $0.sign == .minus } == true })
        #expect(values.contains { $0.map { $0 == 0 && $0.sign == .plus } == true })
        #expect(values.contains { $0.map { $0.isSubnormal } == true })
        #expect(values.contains { $0.map { $0.magnitude > 1e38 } == true })
        #expect(values.contains { $0.map { $0 < 0 } == true })
        #expect(values.allSatisfy { $0.map { $0.isFinite } ?? true })
    }
}
