/// Why reading records or writing verdicts stopped. Located problems with single lines are not errors but
/// ``Reject``s; these end the run.
package struct RecordIOError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure; the command maps it to an exit status.
    package enum Code: Sendable, Equatable {
        /// The input cannot be opened or read (a system call failed).
        case input
        /// The input's structure is wrong as a whole: no header, unknown or duplicate columns, a text column
        /// used as a feature, too many rejected lines.
        case data
        /// The reader of the output went away (EPIPE): stop quietly.
        case outputClosed
        /// Writing the output failed for another reason (disk full, I/O error).
        case output
        /// The options contradict each other or the input (an unknown column name).
        case usage
    }

    /// The kind of failure.
    package var code: Code
    /// What happened, where, and what to do next.
    package var description: String

    /// Creates an error.
    package init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
