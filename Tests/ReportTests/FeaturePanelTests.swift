import Detector
import Testing

@testable import Report

/// The panel of the features that explain the flags.
@Suite("SVGReport feature panel")
struct FeaturePanelTests {
    /// Three flagged records with shares, one flagged without, one normal record whose shares must not count.
    static let points = [
        ScoredPoint(
            x: 1, score: 20, threshold: 9, isAnomaly: true,
            top: [ScoredRecord.Share(feature: "x", share: 0.6), ScoredRecord.Share(feature: "y", share: 0.3)]),
        ScoredPoint(
            x: 2, score: 25, threshold: 9, isAnomaly: true,
            top: [ScoredRecord.Share(feature: "x", share: 0.2), ScoredRecord.Share(feature: "z", share: 0.5)]),
        ScoredPoint(x: 3, score: 30, threshold: 9, isAnomaly: true, top: []),
        ScoredPoint(x: 4, score: 1, threshold: 9, isAnomaly: false, top: [ScoredRecord.Share(feature: "y", share: 1)]),
    ]

    @Test("each feature's share is its mean over the flagged records with shares, a missing feature counting 0")
    func means() {
        let summary = FeatureSummary(Self.points)
        #expect(summary.flaggedWithShares == 2)
        #expect(summary.features.map(\.feature) == ["x", "z", "y"])
        let shares = summary.features.map(\.share)
        for (share, expected) in zip(shares, [0.4, 0.25, 0.15]) {
            #expect(abs(share - expected) < 1e-12, "\(shares)")
        }
    }

    @Test("the panel draws one bar per feature with its percentage, the largest first, at most eight")
    func bars() throws {
        let outline = try SVGOutline.parse(SVGReport.render(ReportFixtures.data(Self.points)))
        #expect(outline.groupTexts["features"] == ["x", "40%", "z", "25%", "y", "15%"])
        #expect(outline.children["features"]?.filter { $0 == "rect" }.count == 3)
        #expect(outline.allText.contains("over the 2 flagged records"))

        let many = (0..<10).map { index in
            ScoredPoint(
                x: Double(index), score: 20, threshold: 9, isAnomaly: true,
                top: [ScoredRecord.Share(feature: "f\(index)", share: Double(index + 1) / 20)])
        }
        let summary = FeatureSummary(many)
        #expect(summary.features.count == 8)
        #expect(summary.features.first?.feature == "f9")
        let manyOutline = try SVGOutline.parse(SVGReport.render(ReportFixtures.data(many)))
        #expect(manyOutline.children["features"]?.filter { $0 == "rect" }.count == 8)
    }

    @Test("an input without feature shares (CSV) says so and how to get them")
    func noShares() throws {
        let data = ReportData(source: "scored.csv", xAxis: .recordNumber, points: Self.points, hasFeatureShares: false)
        let outline = try SVGOutline.parse(SVGReport.render(data))
        #expect(outline.allText.contains("the CSV output of vaewatch score carries none"))
        #expect(outline.allText.contains("`vaewatch score --output jsonl`"))
        #expect(outline.children["features"] == nil)
    }
}
