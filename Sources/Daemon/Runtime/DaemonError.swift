/// Why the daemon cannot start or go on, with what to do; each code maps to an exit status of `vaewatch serve`.
package struct DaemonError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    package enum Code: Sendable, Equatable {
        /// The configuration is invalid (exit 78).
        case configuration
        /// A file or folder cannot be created, read or written (exit 73 or 74).
        case io
        /// The input data cannot be scored (exit 65).
        case data
        /// A model could not be trained or loaded (exit 70).
        case model
        /// The source does not fit the model or the configuration (exit 78).
        case source
    }

    /// The kind.
    package let code: Code
    /// What happened and what to do next.
    package let description: String

    /// An error of `code` saying `description`.
    package init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
