import Testing

@testable import RecordIO

/// ``Counted``: one noun in the singular for one, the plural for every other count, thousands grouped.
@Suite struct CountedTests {
    @Test func singularForOnePluralOtherwise() {
        #expect(Counted.text(1, "record") == "1 record")
        #expect(Counted.text(0, "record") == "0 records")
        #expect(Counted.text(2, "line") == "2 lines")
        #expect(Counted.text(1, "anomaly", plural: "anomalies") == "1 anomaly")
        #expect(Counted.text(12_345, "anomaly", plural: "anomalies") == "12,345 anomalies")
    }

    @Test func digitsAreGroupedByThousands() {
        #expect(Counted.digits(0) == "0")
        #expect(Counted.digits(999) == "999")
        #expect(Counted.digits(1_000) == "1,000")
        #expect(Counted.digits(1_234_567) == "1,234,567")
        #expect(Counted.digits(-50_000) == "-50,000")
    }
}
