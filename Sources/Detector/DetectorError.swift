/// Why the detector could not be built, trained or used.
public struct DetectorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure.
    public enum Code: Sendable, Equatable {
        /// An option is out of range, or the options describe a network that cannot be built.
        case invalidOptions
        /// The records cannot be trained on: none, the wrong number of columns, or a value that is not finite.
        case badData
        /// Training ran but did not produce a usable model (the loss diverged, or the threshold is not finite).
        case trainingFailed
        /// A model does not fit what it is used with: its header is incomplete or disagrees with its weights, or
        /// its features differ from the input's.
        case incompatibleModel
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do next.
    public var description: String

    /// Creates an error; `description` says what happened and what to do next.
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
