import Testing

@testable import Report

/// The figures the report prints.
@Suite("Report number text")
struct NumberTextTests {
    @Test("durations for the daemon's log: about three significant digits, no grouping, no exponent")
    func seconds() {
        #expect(NumberText.seconds(.nanoseconds(326_402_616)) == "0.326")
        #expect(NumberText.seconds(.microseconds(4_370)) == "0.00437")
        #expect(NumberText.seconds(.milliseconds(12_345)) == "12.3")
        #expect(NumberText.seconds(.milliseconds(4_512_400)) == "4512")
        #expect(NumberText.seconds(.zero) == "0")
    }

    @Test("counts, percentages, fixed decimals and log ticks read as people write them")
    func figures() {
        #expect(NumberText.count(12_345) == "12,345")
        #expect(NumberText.count(999) == "999")
        #expect(NumberText.count(-1_000_000) == "-1,000,000")
        #expect(NumberText.percent(61.0 / 12_345) == "0.49%")
        #expect(NumberText.percent(0.123) == "12.3%")
        #expect(NumberText.percent(1) == "100%")
        #expect(NumberText.percent(0) == "0%")
        #expect(NumberText.percent(1e-7) == "<0.01%")
        #expect(NumberText.percent(.nan) == "0%")
        #expect(NumberText.fixed(2.345, decimals: 1) == "2.3")
        #expect(NumberText.fixed(-0.04, decimals: 1) == "0.0")
        #expect(NumberText.fixed(-1.25, decimals: 2) == "-1.25")
        #expect(NumberText.coordinate(120.0) == "120")
        #expect(NumberText.coordinate(.nan) == "0")
        #expect(NumberText.coordinate(.infinity) == "900000000000")
        #expect(NumberText.logTick(mantissa: 2, exponent: -3) == "0.002")
        #expect(NumberText.logTick(mantissa: 5, exponent: 1) == "50")
        #expect(NumberText.logTick(mantissa: 2, exponent: 4) == "20k")
        #expect(NumberText.logTick(mantissa: 1, exponent: 6) == "1M")
        #expect(NumberText.logTick(mantissa: 1, exponent: 12) == "1e12")
    }

    @Test("the summary counts records, flags and model versions as the command prints them")
    func summary() {
        var points = (0..<12_345).map { index in
            ScoredPoint(x: Double(index), score: 1, threshold: 9, isAnomaly: index < 61, modelVersion: 1 + index % 3)
        }
        #expect(ReportSummary(points).text == "12,345 records, 61 flagged (0.49%), model versions 1–3")
        points = points.map { ScoredPoint(x: $0.x, score: $0.score, threshold: $0.threshold, isAnomaly: false) }
        #expect(ReportSummary(points).text == "12,345 records, 0 flagged (0%)")
        #expect(
            ReportSummary([ScoredPoint(x: 1, score: 1, threshold: 2, isAnomaly: true, modelVersion: 4)]).text
                == "1 record, 1 flagged (100%), model version 4")
    }
}
