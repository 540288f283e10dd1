import Testing

@testable import RecordIO
@testable import RecordParsing

/// ``Counted``: one noun in the singular for one, the plural for every other count, thousands grouped.
@Suite struct CountedTests {
    @Test func singularForOnePluralOtherwise() {
        #expect(Counted.text(1, "record") == "1 record")
        #expect(Counted.text(0, "record") == "0 records")
        #expect(Counted.text(2, "line") == "2 lines")
        #expect(Counted.text(1, "anomaly", plural: "anomalies") == "1 anomaly")
        #expect(Counted.text(12_345, "anomaly", plural: "anomalies") == "12,345 anomalies")
    }
}
