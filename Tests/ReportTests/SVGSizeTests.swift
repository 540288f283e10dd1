import Detector
import TestSupport
import Testing

@testable import Report

/// Downsampling: however many records, the document stays small.
@Suite("SVGReport size")
struct SVGSizeTests {
    @Test("a million records, 10,000 of them flagged, make a well-formed report under 1 MB")
    func millionRecords() throws {
        let count = 1_000_000
        var points: [ScoredPoint] = []
        points.reserveCapacity(count)
        var random = SplitMix64(seed: 11)
        for index in 0..<count {
            let flagged = index % 100 == 37
            let retrained = index >= count / 2
            points.append(
                ScoredPoint(
                    x: Double(index + 1), score: flagged ? 40 : 0.5 + 2 * random.unit(),
                    threshold: retrained ? 11 : 9, isAnomaly: flagged, modelVersion: retrained ? 2 : 1,
                    top: flagged ? [ScoredRecord.Share(feature: "x\(index % 7)", share: 0.5)] : []))
        }
        let svg = SVGReport.render(
            ReportData(source: "big", xAxis: .recordNumber, points: points, hasFeatureShares: true))
        let bytes = svg.utf8.count
        #expect(bytes < 1_000_000, "\(bytes) bytes")
        let outline = try SVGOutline.parse(svg)
        let columns = ChartLayout(width: 960).columns
        #expect(outline.count(in: "flagged") <= columns)
        #expect(outline.count(in: "flagged") >= columns - 2, "a marker in (almost) every column")
        #expect(outline.allText.contains("The 10,000 flagged records are too many to mark one by one"))
        #expect(outline.allText.contains("The 1,000,000 records are drawn in \(columns) pixel columns"))
        let threshold = try #require(outline.byID["threshold"]?["d"])
        #expect(threshold.count < 200, "one step at the retraining: \(threshold)")
        let scores = try #require(outline.byID["scores"]?["d"])
        #expect(scores.count < 60_000, "a few commands per pixel column: \(scores.count) bytes")
    }
}
