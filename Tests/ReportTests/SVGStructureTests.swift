import Detector
import TestSupport
import Testing

@testable import Report

/// The rendered document: well-formed SVG, one marker per flagged record up to the cap, escaped names, and the same
/// bytes for the same data.
@Suite("SVGReport structure")
struct SVGStructureTests {
    @Test("the report is well-formed XML with root svg, a title, the counts and a legend")
    func wellFormed() throws {
        let points = ReportFixtures.points(count: 1_000, flagged: [100, 400, 900], retrainAt: 500)
        let svg = SVGReport.render(ReportFixtures.data(points))
        let outline = try SVGOutline.parse(svg)
        #expect(outline.root == "svg")
        #expect(outline.rootAttributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(outline.rootAttributes["width"] == "960")
        #expect(outline.counts["title"] == 1)
        let title = try #require(outline.texts.first)
        #expect(title.hasPrefix("vaewatch report: scored.jsonl — records 1–1,000 · 1,000 records"), "\(title)")
        #expect(title.hasSuffix("3 flagged (0.3%) · model versions 1–2"), "\(title)")
        #expect(outline.texts.contains("flagged (3)"))
        #expect(outline.texts.contains("record number"))
        #expect(outline.texts.contains("score (log scale)"))
        #expect(outline.counts["path", default: 0] >= 2, "the score line and the threshold")
    }

    @Test("every flagged record gets its own marker, placed at its record")
    func oneMarkerPerFlag() throws {
        let flagged: Set<Int> = [3, 10, 11, 12, 250, 251, 999, 1_500, 1_999]
        let points = ReportFixtures.points(count: 2_000, flagged: flagged)
        let outline = try SVGOutline.parse(SVGReport.render(ReportFixtures.data(points)))
        #expect(outline.count(in: "flagged") == flagged.count)
        #expect(outline.children["flagged"]?.allSatisfy { $0 == "circle" } == true)
        let xs = outline.attributes.filter { $0.element == "circle" && $0.name == "cx" }.compactMap { Double($0.value) }
        let layout = ChartLayout(width: 960)
        let expected = flagged.sorted().map {
            layout.plotLeft + Double($0) / 1_999 * (layout.plotRight - layout.plotLeft)
        }
        for x in expected {
            #expect(xs.contains { abs($0 - x) <= 0.06 }, "no marker at x \(x)")
        }
        #expect(outline.allText.contains("Every flagged record has its own marker."))
    }

    @Test("beyond the cap, one marker stands for the flagged records of a pixel column, and the caption says so")
    func markerCap() throws {
        var points = ReportFixtures.points(count: 1_000)
        // Ten flagged records at each of five record numbers: five pixel columns.
        for column in [100, 300, 500, 700, 900] {
            for copy in 0..<10 {
                points.append(
                    ScoredPoint(
                        x: Double(column), score: 20 + Double(copy), threshold: 9.5, isAnomaly: true,
                        top: [ScoredRecord.Share(feature: "cpu", share: 1)]))
            }
        }
        let data = ReportFixtures.data(points)
        let capped = try SVGOutline.parse(SVGReport.render(data, options: SVGReport.Options(markerCap: 10)))
        #expect(capped.count(in: "flagged") == 5)
        let highest = capped.attributes.filter { $0.element == "circle" && $0.name == "cy" }
        #expect(highest.count >= 5)
        #expect(
            capped.allText.contains("The 50 flagged records are too many to mark one by one: each of the 5 markers"))
        let uncapped = try SVGOutline.parse(SVGReport.render(data, options: SVGReport.Options(markerCap: 50)))
        #expect(uncapped.count(in: "flagged") == 50)
    }

    @Test("scores of 0, +∞ and NaN, and an infinite threshold, draw without nan or inf in any attribute")
    func extremeScores() throws {
        var points = ReportFixtures.points(count: 200, flagged: [50])
        points[10].score = 0
        points[20].score = .infinity
        points[20].isAnomaly = true
        points[30].score = .infinity
        points[30].isAnomaly = true
        points[40].score = .nan
        points[60].threshold = .infinity
        let outline = try SVGOutline.parse(SVGReport.render(ReportFixtures.data(points)))
        for attribute in outline.attributes {
            let lowered = attribute.value.lowercased()
            #expect(
                !lowered.contains("nan") && !lowered.contains("inf"),
                "\(attribute.element) \(attribute.name)=\"\(attribute.value)\"")
        }
        #expect(outline.count(in: "flagged") == 3)
        #expect(outline.children["flagged"]?.filter { $0 == "path" }.count == 2, "two off-scale triangles")
        #expect(outline.texts.contains("+∞"))
        #expect(outline.texts.contains("score +∞ (off scale)"))
        #expect(outline.allText.contains("2 scores are +∞"))
        #expect(outline.allText.contains("Drawn on the bottom edge of the log scale: 1 score of 0"))
        let coordinates = outline.attributes.filter {
            ["x", "y", "cx", "cy", "x1", "x2", "y1", "y2"].contains($0.name)
        }
        #expect(!coordinates.isEmpty)
        for coordinate in coordinates {
            let value = try #require(Double(coordinate.value), "\(coordinate.name)=\(coordinate.value)")
            #expect(value.isFinite && value > -1_000 && value < 2_000, "\(coordinate.name)=\(coordinate.value)")
        }
    }

    @Test("source and feature names with & < > \" ' and a control character are escaped and survive parsing")
    func hostileNames() throws {
        let hostile = "a&b<c>\"d\" 'e' </svg>"
        var points = ReportFixtures.points(count: 50, flagged: [7])
        points[7].top = [
            ScoredRecord.Share(feature: hostile, share: 0.9), ScoredRecord.Share(feature: "bell\u{7}", share: 0.1),
        ]
        let svg = SVGReport.render(
            ReportData(
                source: hostile, xAxis: .recordNumber, points: points, hasFeatureShares: true,
                notes: ["note & <b>"]))
        let outline = try SVGOutline.parse(svg)
        #expect(outline.texts.contains("vaewatch report: " + hostile))
        #expect(outline.groupTexts["features"]?.contains(hostile) == true, "\(outline.groupTexts)")
        #expect(outline.groupTexts["features"]?.contains("bell\u{FFFD}") == true)
        #expect(outline.groupTexts["caption"]?.contains("note & <b>") == true)
        #expect(!svg.contains("<b>"))
    }

    @Test("the same data give the same bytes, also when handed over in another order")
    func deterministic() throws {
        let points = ReportFixtures.points(count: 5_000, flagged: [10, 2_000, 4_321], retrainAt: 2_500)
        let first = SVGReport.render(ReportFixtures.data(points))
        #expect(SVGReport.render(ReportFixtures.data(points)) == first)
        var random = SplitMix64(seed: 3)
        #expect(SVGReport.render(ReportFixtures.data(points.shuffled(using: &random))) == first)
    }

    @Test("no records still make a well-formed report that says so")
    func empty() throws {
        let outline = try SVGOutline.parse(SVGReport.render(ReportFixtures.data([])))
        #expect(outline.texts.contains("no records"))
        #expect(outline.texts.contains("No record was flagged, so no feature explains a flag."))
        #expect(outline.count(in: "flagged") == 0)
    }
}
