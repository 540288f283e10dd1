/// What a CSV record must look like for a quoted field in it to run across a line end: the header's field count,
/// and a text column where the line end falls. A number never holds a line end, so a quote opened in a feature
/// column that reaches the end of its line is a stray quote, known as soon as that line end is read.
package struct CSVRecordShape: Sendable, Equatable {
    /// Fields in a record: the header's.
    package var fieldCount: Int
    /// For each field, whether a quoted value there may hold a line end (the key and columns that are not
    /// features).
    package var spansLines: [Bool]

    /// The shape of the records of an input whose columns were resolved into `plan`.
    package init(plan: ColumnPlan) {
        fieldCount = plan.slots.count
        spansLines = plan.slots.map { $0 < 0 }
    }

    /// Whether a quoted value in field `field` (0-based) may hold a line end.
    func mayCrossLineEnd(inField field: Int) -> Bool { field < fieldCount && spansLines[field] }
}
