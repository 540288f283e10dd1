import Detector
import Testing

@testable import Report

/// The axes: UTC calendar arithmetic, time ticks, the scoring-order fallback, and the log scale's edges.
@Suite("SVGReport axes")
struct AxisTests {
    @Test("seconds since 1970 become the UTC date and time that date -u prints")
    func utc() {
        #expect(UTCTime(0).dateAndClock == "1970-01-01 00:00:00")
        #expect(UTCTime(1_714_557_600).dateAndClock == "2024-05-01 10:00:00")
        #expect(UTCTime(1_709_164_800.25).dateAndClock == "2024-02-29 00:00:00")
        #expect(UTCTime(1_709_164_800.25).clock(precision: 2) == "00:00:00.250")
        #expect(UTCTime(-1).dateAndClock == "1969-12-31 23:59:59")
        #expect(UTCTime(4_102_444_800).date == "2100-01-01")
        #expect(UTCTime.days(year: 2024, month: 5, day: 1) * 86_400 == 1_714_521_600)
    }

    @Test("two days of records get ticks every six hours, with the date under the first and at midnight")
    func timeTicks() {
        let start = 1_714_557_600.0  // 2024-05-01 10:00 UTC
        let values = (0..<2_000).map { start + Double($0) * 86.4 }
        let scale = XScale(values: values, kind: .time, left: 0, right: 880)
        #expect(scale.mode == .time)
        let ticks = scale.ticks
        #expect(ticks.map(\.label) == ["12:00", "18:00", "00:00", "06:00", "12:00", "18:00", "00:00", "06:00"])
        #expect(ticks.map(\.context) == ["2024-05-01", "", "2024-05-02", "", "", "", "2024-05-03", ""])
        #expect(ticks.allSatisfy { $0.position >= 0 && $0.position <= 880 })
    }

    @Test("records scored in a few batches are drawn in scoring order, labelled with their times")
    func batches() throws {
        let start = 1_714_557_600.0
        let points = (0..<20_000).map { index in
            ScoredPoint(x: start + Double(index / 2_000) * 3, score: 1, threshold: 9, isAnomaly: false)
        }
        let scale = XScale(values: points.map(\.x), kind: .time, left: 0, right: 880)
        #expect(scale.mode == .scoringOrder)
        #expect(abs(scale.x(index: 10_000, value: points[10_000].x) - 880.0 * 10_000 / 19_999) < 1e-9)
        let outline = try SVGOutline.parse(
            SVGReport.render(ReportData(source: "t", xAxis: .time, points: points, hasFeatureShares: true)))
        #expect(outline.allText.contains("they were scored in batches"))
        #expect(outline.texts.contains("10:00:15"), "\(outline.texts)")
        #expect(outline.texts.first?.contains("2024-05-01 10:00:00 – 10:00:27 UTC") == true)
    }

    @Test("the source table's time column is drawn by time, even when rows share their times, and titles the axis")
    func rowTime() throws {
        let start = 1_714_557_600.0
        let points = (0..<20_000).map { index in
            ScoredPoint(x: start + Double(index / 2_000) * 3, score: 1, threshold: 9, isAnomaly: false)
        }
        let scale = XScale(values: points.map(\.x), kind: .rowTime(column: "ts"), left: 0, right: 880)
        #expect(scale.mode == .time)
        #expect(scale.title == "ts of the scored rows (UTC)")
        #expect(abs(scale.x(index: 10_000, value: points[10_000].x) - 880.0 * 15 / 27) < 1e-9)
        let outline = try SVGOutline.parse(
            SVGReport.render(
                ReportData(source: "t", xAxis: .rowTime(column: "ts"), points: points, hasFeatureShares: true)))
        #expect(outline.texts.contains("ts of the scored rows (UTC)"), "\(outline.texts)")
        #expect(!outline.allText.contains("time scored"))
        #expect(!outline.allText.contains("they were scored in batches"))
        #expect(outline.texts.first?.contains("2024-05-01 10:00:00 – 10:00:27 UTC") == true)
    }

    @Test("the log scale spans nice bounds around the scores; 0 and NaN sit on the bottom edge, +∞ on the top")
    func logScale() {
        let scale = LogScale(values: [0.3, 1.5, 9.5, 48, 0, .infinity, .nan], top: 100, bottom: 400)
        #expect(scale.bottomValue == 0.2)
        #expect(scale.topValue == 50)
        #expect(scale.y(0) == 400)
        #expect(scale.y(.nan) == 400)
        #expect(scale.y(-3) == 400)
        #expect(scale.y(.infinity) == 100)
        #expect(scale.y(1e9) == 100)
        #expect(scale.y(0.2) == 400 && scale.y(50) == 100)
        #expect(scale.ticks.map(\.label) == ["0.2", "0.5", "1", "2", "5", "10", "20", "50"])
        let flat = LogScale(values: [3, 3, 3], top: 0, bottom: 100)
        #expect(flat.topValue / flat.bottomValue >= 10, "at least one decade")
        let empty = LogScale(values: [], top: 0, bottom: 100)
        #expect(empty.bottomValue > 0 && empty.topValue.isFinite)
        let wide = LogScale(values: [1e-12, 1e6], top: 0, bottom: 100)
        #expect(wide.bottomValue == 0.01, "eight decades at most")
        #expect(wide.clippedBelow == 1)
    }
}
