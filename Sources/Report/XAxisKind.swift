/// What ``ScoredPoint/x`` means, which decides how the x axis is drawn and labelled.
package enum XAxisKind: Sendable, Equatable {
    /// Seconds since 1970 when each record was scored, drawn as UTC date and time. When the records were scored in a
    /// few large batches (so that most share a timestamp), they are drawn in scoring order instead, with the times as
    /// tick labels.
    case time
    /// Seconds since 1970 read from `column`, the source table's own time column, drawn as UTC date and time (a
    /// `timestamp` without time zone as if it were UTC). Always drawn by time: the rows' times are the point.
    case rowTime(column: String)
    /// The 1-based record number in a file.
    case recordNumber
}
