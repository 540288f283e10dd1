import Testing

@testable import Report

/// The legend above the chart names what is drawn, and promises steps in the threshold only when there are some.
@Suite("SVGReport legend")
struct LegendTests {
    @Test("the legend says the threshold steps at retraining only when more than one model version scored")
    func thresholdStepsOnlyAfterRetraining() throws {
        let oneModel = try SVGOutline.parse(
            SVGReport.render(ReportFixtures.data(ReportFixtures.points(count: 1_000, flagged: [10]))))
        #expect(oneModel.texts.contains("threshold"), "\(oneModel.texts)")
        #expect(!oneModel.allText.contains("steps at retraining"), "\(oneModel.texts)")

        let retrained = try SVGOutline.parse(
            SVGReport.render(ReportFixtures.data(ReportFixtures.points(count: 1_000, flagged: [10], retrainAt: 500))))
        #expect(retrained.texts.contains("threshold (steps at retraining)"), "\(retrained.texts)")
        #expect(!retrained.texts.contains("threshold"))
    }
}
