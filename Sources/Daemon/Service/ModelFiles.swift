import Checkpoint
import Detector
import VAE

/// Model files and registry bytes as detectors, with errors that name the file.
enum ModelFiles {
    /// The detector in model-file `bytes` (from the registry), called `name` in messages.
    static func detector(from bytes: [UInt8], name: String, expectedFeatures: [String]?) throws(DaemonError)
        -> Detector
    {
        do {
            let (header, weights) = try bytes.withUnsafeBytes { (raw) throws(ModelFileError) in
                try ModelFileFormat.decode(raw, source: name, expectedFeatures: expectedFeatures)
            }
            return try Detector(header: header, weights: weights)
        } catch let error as ModelFileError {
            throw DaemonError(.model, error.description)
        } catch {
            throw DaemonError(.model, "\(name): \(error)")
        }
    }

    /// The detector in the model file at `path`.
    static func detector(atPath path: String, expectedFeatures: [String]?) throws(DaemonError) -> Detector {
        do {
            let (header, weights) = try ModelFileStore.read(path: path, expectedFeatures: expectedFeatures)
            return try Detector(header: header, weights: weights)
        } catch let error as CheckpointError {
            throw DaemonError(.model, error.description)
        } catch {
            throw DaemonError(.model, "\(path): \(error)")
        }
    }
}
