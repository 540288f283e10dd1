import Detector
import VAE

/// The one way a model file, or the registry's copy of one, becomes a detector, for the CLI and the daemon alike:
/// every check of the bytes (``ModelFileStore/read(path:expectedFeatures:)``: size, checksum, the features the
/// caller will feed) and of the model they hold (``Detector/init(header:weights:)``: the weights fit the network,
/// a scaler and a threshold are there, the threshold's tail is in range; ``Detector/checkTimeColumn(_:)``: the
/// time column the caller will feed, if it says).
package enum DetectorFile {
    /// What the caller says of the time column it will feed the model.
    package enum TimeColumn: Sendable, Equatable {
        /// Nothing: the model is inspected, not fed (`inspect`, `sample`, a push to the registry).
        case unchecked
        /// This column, or none (nil): the model must have been trained with exactly it.
        case expected(String?)
    }

    /// Why a model could not be loaded.
    package enum LoadError: Error, CustomStringConvertible, Sendable {
        /// The file could not be read, or its bytes are not a model file (a bad checksum, other features…).
        case unreadable(CheckpointError)
        /// The bytes are a well-formed model file whose model cannot be used; the text names the file and why.
        case unusable(String)

        /// What happened and what to do next.
        package var description: String {
            switch self {
            case .unreadable(let error): error.description
            case .unusable(let text): text
            }
        }
    }

    /// The detector in the model file at `path`; `expectedFeatures`, when given, must be its features in order, and
    /// `timeColumn` its time column.
    package static func load(
        path: String, expectedFeatures: [String]? = nil, timeColumn: TimeColumn = .unchecked
    ) throws(LoadError) -> Detector {
        let file: (header: ModelHeader, weights: [Float])
        do {
            file = try ModelFileStore.read(path: path, expectedFeatures: expectedFeatures)
        } catch {
            throw .unreadable(error)
        }
        return try detector(file.header, file.weights, name: path, timeColumn: timeColumn)
    }

    /// The detector in model-file `bytes` (the registry's), called `name` in messages.
    package static func load(
        bytes: [UInt8], name: String, expectedFeatures: [String]? = nil, timeColumn: TimeColumn = .unchecked
    ) throws(LoadError) -> Detector {
        let decoded = bytes.withUnsafeBytes { raw in
            Result { () throws(ModelFileError) in
                try ModelFileFormat.decode(raw, source: name, expectedFeatures: expectedFeatures)
            }
        }
        let file: (header: ModelHeader, weights: [Float])
        do {
            file = try decoded.get()
        } catch {
            throw .unreadable(.format(error))
        }
        return try detector(file.header, file.weights, name: name, timeColumn: timeColumn)
    }

    private static func detector(_ header: ModelHeader, _ weights: [Float], name: String, timeColumn: TimeColumn)
        throws(LoadError) -> Detector
    {
        do {
            let detector = try Detector(header: header, weights: weights)
            if case .expected(let column) = timeColumn { try detector.checkTimeColumn(column) }
            return detector
        } catch {
            throw .unusable("\(name): \(error.description)")
        }
    }
}
