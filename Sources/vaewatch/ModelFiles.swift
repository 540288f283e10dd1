import ArgumentParser
import Checkpoint
import Detector
import VAE

/// Loading and saving detectors as model files.
enum ModelFiles {
    /// Reads the model at `path` through ``DetectorFile`` (the daemon's checks, the threshold's tail included);
    /// exits with a message when it cannot: 66 when the file cannot be read or is not a model file, 65 when the
    /// model in it cannot be used.
    static func load(_ path: String) throws -> Detector {
        do {
            return try DetectorFile.load(path: path)
        } catch {
            switch error {
            case .unreadable: throw fail(error.description, status: ExitStatus.noInput)
            case .unusable: throw fail(error.description, status: ExitStatus.data)
            }
        }
    }

    /// Writes `detector` to `path` atomically; exits with a message when it cannot.
    static func save(_ detector: Detector, to path: String) throws {
        do {
            let bytes = try ModelFileFormat.encode(header: detector.header, weights: detector.model.parameters)
            try ModelFileStore.write(bytes, to: path)
        } catch let error as CheckpointError {
            throw fail(error.description, status: ExitStatus.ioError)
        } catch {
            throw fail("cannot save the model to \(path): \(error)", status: ExitStatus.software)
        }
    }
}
