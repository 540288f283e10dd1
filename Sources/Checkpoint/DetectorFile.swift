import Detector
import VAE

/// The one way a model file, or the registry's copy of one, becomes a detector, for the CLI and the daemon alike:
/// every check of the bytes (``ModelFileStore/read(path:expectedFeatures:)``: size, checksum, the features the
/// caller will feed) and of the model they hold (``Detector/init(header:weights:)``: the weights fit the network,
/// a scaler and a threshold are there, the threshold's tail is in range).
package enum DetectorFile {
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

    /// The detector in the model file at `path`; `expectedFeatures`, when given, must be its features in order.
    package static func load(path: String, expectedFeatures: [String]? = nil) throws(LoadError) -> Detector {
        let file: (header: ModelHeader, weights: [Float])
        do {
            file = try ModelFileStore.read(path: path, expectedFeatures: expectedFeatures)
        } catch {
            throw .unreadable(error)
        }
        return try detector(file.header, file.weights, name: path)
    }

    /// The detector in model-file `bytes` (the registry's), called `name` in messages.
    package static func load(bytes: [UInt8], name: String, expectedFeatures: [String]? = nil) throws(LoadError)
        -> Detector
    {
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
        return try detector(file.header, file.weights, name: name)
    }

    private static func detector(_ header: ModelHeader, _ weights: [Float], name: String) throws(LoadError)
        -> Detector
    {
        do {
            return try Detector(header: header, weights: weights)
        } catch {
            throw .unusable("\(name): \(error.description)")
        }
    }
}
