/// Consistency checks shared by the encoder and the decoder, and the wording of their messages.
extension ModelFileFormat {
    /// Checks that the header's fields agree with its architecture and with `weightCount`.
    static func checkHeader(
        _ header: ModelHeader, weightCount: Int, source: String, remedy: String
    ) throws(ModelFileError) {
        func fail(_ code: ModelFileError.Code, _ reason: String) -> ModelFileError {
            ModelFileError(code: code, source: source, reason: reason, remedy: remedy)
        }
        let architecture = header.architecture
        do {
            try architecture.validate()
        } catch {
            throw fail(.invalidArchitecture, "invalid architecture: \(error.description)")
        }
        let width = architecture.inputWidth
        guard weightCount == architecture.parameterCount else {
            throw fail(
                .weightCountMismatch,
                "the architecture needs \(architecture.parameterCount) weights but there are \(weightCount)")
        }
        guard header.featureNames.count == width else {
            throw fail(
                .badHeader, "\(header.featureNames.count) feature names for an input width of \(width)")
        }
        switch (header.timeColumn, architecture.conditionWidth) {
        case (nil, let c) where c > 0:
            throw fail(.badHeader, "the network takes \(c) conditioning inputs but the header names no time column")
        case (let column?, 0):
            throw fail(
                .badHeader,
                "the header names time column \(quoted(column)) but the network takes no conditioning inputs")
        case (let column?, _) where header.featureNames.contains(column):
            throw fail(.badHeader, "time column \(quoted(column)) is also a feature")
        default: break
        }
        if let scaler = header.scaler {
            guard scaler.mean.count == width, scaler.scale.count == width else {
                throw fail(
                    .badHeader,
                    "the scaler has \(scaler.mean.count) means and \(scaler.scale.count) scales for \(width) features")
            }
            if let index = scaler.mean.firstIndex(where: { !$0.isFinite }) {
                throw fail(.badHeader, "the scaler mean of feature \(index) is \(scaler.mean[index])")
            }
            if let index = scaler.scale.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw fail(
                    .badHeader,
                    "the scaler scale of feature \(index) is \(scaler.scale[index]); it must be finite and positive")
            }
        }
        guard header.version >= 1 else {
            throw fail(.badHeader, "the model version is \(header.version); versions start at 1")
        }
        if let threshold = header.threshold, !threshold.isFinite {
            throw fail(.badHeader, "the threshold is \(threshold); it must be finite")
        }
        if let training = header.training {
            for (name, loss) in [("training", training.trainingLoss), ("validation", training.validationLoss ?? 0)]
            where !loss.isFinite {
                throw fail(.badHeader, "the \(name) loss is \(loss); it must be finite")
            }
        }
    }

    /// The error for a file of `found` bytes whose prefix promises `expected` (``ModelFileError/Code/truncated``
    /// or ``ModelFileError/Code/trailingData``), for readers that compare a file's size before reading it.
    package static func lengthMismatch(expected: Int, found: Int, source: String) -> ModelFileError {
        let (code, what) =
            found < expected ? (ModelFileError.Code.truncated, "truncated") : (.trailingData, "trailing data")
        return .refused(code, source, "\(what): expected \(expected) bytes, found \(found)")
    }

    /// Names expected and found feature lists, and where they first differ.
    static func featureDifference(expected: [String], found: [String]) -> String {
        let common = min(expected.count, found.count)
        let firstDifference = (0..<common).first { expected[$0] != found[$0] } ?? common
        let position: String
        if firstDifference < expected.count, firstDifference < found.count {
            position =
                "\(quoted(expected[firstDifference])) expected but \(quoted(found[firstDifference])) found"
        } else if firstDifference < expected.count {
            position = "\(quoted(expected[firstDifference])) expected but the model has no more features"
        } else {
            position = "\(quoted(found[firstDifference])) found but no more features expected"
        }
        return "features differ from the configuration: expected \(list(expected)), found \(list(found)); "
            + "first difference at position \(firstDifference + 1): \(position)"
    }

    /// Most names a feature list shows before it is abbreviated.
    static let listedNamesLimit = 32

    /// `["a", "b"]`, abbreviated after ``listedNamesLimit`` names.
    static func list(_ names: [String]) -> String {
        var shown = names.prefix(listedNamesLimit).map(quoted).joined(separator: ", ")
        if names.count > listedNamesLimit {
            shown += ", … \(names.count - listedNamesLimit) more"
        }
        return "[\(shown)]"
    }

    /// A name in double quotes, with quotes, backslashes and control characters escaped.
    static func quoted(_ name: String) -> String { name.debugDescription }

    /// The gist of a JSON decoding error: what is wrong and at which field.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? "the top level" : context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing field \"\(key.stringValue)\"\(parent)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field \(path(context)) has the wrong type: \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context))"
        @unknown default:
            return "\(error)"
        }
    }

    /// Two lowercase hex digits.
    static func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return byte < 0x10 ? "0" + digits : digits
    }

    /// Eight lowercase hex digits.
    static func hexWord(_ word: UInt32) -> String {
        let digits = String(word, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
