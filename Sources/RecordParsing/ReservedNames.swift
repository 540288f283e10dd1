/// The names vaewatch's JSON-lines output writes for itself, and the one rule for every input: a column that would
/// be written under one of them is refused with the reason, so that no output object holds a key twice. A JSON
/// input's `vaewatch` key rejects its line; a CSV input's column is refused at its header.
package enum ReservedNames {
    /// The key of the verdict object.
    package static let verdict = "vaewatch"
    /// The key of the line number in JSON-lines output converted from an input without a key column.
    package static let lineNumber = "line"
    /// Why an input key or column named ``verdict`` is refused.
    static let verdictReason = "the key is reserved for vaewatch's verdict"

    /// The refusal of the columns of `plan` (a CSV header) that JSON-lines output would write under a name it uses
    /// itself, each located at its header field; nil when there are none.
    package static func clashes(in plan: ColumnPlan, source: String) -> RecordIOError? {
        var problems: [String] = []
        for (index, name) in plan.inputNames.enumerated() where plan.slots[index] != ColumnPlan.ignoredSlot {
            let reason: String
            if name == verdict {
                reason =
                    "\(verdictReason) in JSON-lines output; leave the column out with --ignore \(name), "
                    + "rename it, or write CSV (--output csv)"
            } else if name == lineNumber, plan.keyColumn == nil {
                reason =
                    "JSON-lines output writes the line number under this name when there is no --key; make "
                    + "the column the key with --key \(name), leave it out with --ignore \(name), or rename it"
            } else {
                continue
            }
            problems.append("\(source):1: header field \(index + 1) (\(name)): \(reason)")
        }
        return problems.isEmpty ? nil : RecordIOError(.data, problems.joined(separator: "\n"))
    }
}
