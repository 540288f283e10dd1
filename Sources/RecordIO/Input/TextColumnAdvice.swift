import RecordParsing

/// What to say about feature columns that hold text, not numbers: every one by name, and the options that fix it.
enum TextColumnAdvice {
    /// `column "host" holds text, not numbers: leave it out with --ignore host, …` for one column; for several, all of
    /// them named, with `--ignore a,b`. With a model, whose features they are, the fix is another input.
    static func message(_ columns: [String], model: Bool = false) -> String {
        precondition(!columns.isEmpty, "TextColumnAdvice: no columns")
        let one = columns.count == 1
        let named = one ? "column \(columns[0].debugDescription)" : "columns \(listed(columns))"
        let holds = one ? "holds text, not numbers" : "hold text, not numbers"
        if model {
            return "\(named) \(holds), but the model reads \(one ? "it" : "them") as features: "
                + "score an input with the columns the model was trained on"
        }
        let ignore = "--ignore \(columns.joined(separator: ","))"
        return one
            ? "\(named) \(holds): leave it out with \(ignore), name it as the record key with --key, "
                + "or choose the features with --columns"
            : "\(named) \(holds): leave them out with \(ignore), name one as the record key with --key and leave "
                + "out the rest, or choose the features with --columns"
    }

    /// `"a", "b" and "c"`.
    private static func listed(_ columns: [String]) -> String {
        let quoted = columns.map(\.debugDescription)
        return quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
    }
}
