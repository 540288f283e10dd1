/// Why the bytes of a model file were refused, or why a model could not be encoded.
///
/// The ``description`` reads `model file <source>: <reason>. <what to do next>`, for logs and for people.
public struct ModelFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem was found; match on this, not on the text.
    public enum Code: Sendable, Hashable {
        /// Fewer bytes than the prefix promises (or fewer than the smallest possible file).
        case truncated
        /// More bytes than the prefix promises.
        case trailingData
        /// The first 8 bytes are not `VAEWMODL`: not a vaewatch model file.
        case badMagic
        /// A format version this build does not read.
        case unsupportedVersion
        /// The prefix declares a header or weight count beyond the format's limits.
        case absurdLength
        /// The stored CRC-32C does not match the bytes: the file is corrupt.
        case checksumMismatch
        /// The JSON header does not decode, or its fields contradict each other.
        case badHeader
        /// The architecture in the header cannot be built.
        case invalidArchitecture
        /// The number of weights does not match the architecture.
        case weightCountMismatch
        /// A weight is NaN or infinite.
        case nonFiniteWeight
        /// The model's feature names differ from the ones the caller expects.
        case featureMismatch
    }

    /// What kind of problem was found.
    public var code: Code
    /// The file path or stream name the caller gave, or `(unsaved)` when encoding.
    public var source: String
    /// What is wrong, in words, without a trailing period.
    public var reason: String
    /// What to do next, as a sentence.
    public var remedy: String

    /// Creates an error.
    public init(code: Code, source: String, reason: String, remedy: String) {
        self.code = code
        self.source = source
        self.reason = reason
        self.remedy = remedy
    }

    /// `model file <source>: <reason>. <remedy>`
    public var description: String { "model file \(source): \(reason). \(remedy)" }
}

extension ModelFileError {
    /// The remedy for a file that is damaged or inconsistent.
    static let restoreOrRetrain = "Restore a previous model file or retrain with `vaewatch train`"
    /// The remedy for a model that cannot be encoded: the caller built something inconsistent.
    static let fixCaller = "This is a bug in the code that built the model; please report it"

    /// A refusal while reading, with the usual remedy for its code.
    static func refused(_ code: Code, _ source: String, _ reason: String) -> ModelFileError {
        let remedy =
            switch code {
            case .badMagic: "Check that the path names a vaewatch model file"
            case .unsupportedVersion: "Upgrade vaewatch, or retrain with `vaewatch train` using this build"
            case .featureMismatch:
                "Retrain with `vaewatch train` on these features, or configure the features the model was trained on"
            default: restoreOrRetrain
            }
        return ModelFileError(code: code, source: source, reason: reason, remedy: remedy)
    }
}
