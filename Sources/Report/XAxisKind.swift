/// What ``ScoredPoint/x`` means, which decides how the x axis is drawn and labelled.
public enum XAxisKind: Sendable, Equatable {
    /// Seconds since 1970, drawn as UTC date and time. When the records were scored in a few large batches (so
    /// that most share a timestamp), they are drawn in scoring order instead, with the times as tick labels.
    case time
    /// The 1-based record number in a file.
    case recordNumber
}
