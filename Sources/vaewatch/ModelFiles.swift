import ArgumentParser
import Checkpoint
import Detector
import VAE

/// Loading and saving detectors as model files.
enum ModelFiles {
    /// Reads the model at `path` with every check the daemon makes (``Detector/init(header:weights:)``, the
    /// threshold's tail included); exits with a message when it cannot.
    static func load(_ path: String) throws -> Detector {
        do {
            let (header, weights) = try ModelFileStore.read(path: path)
            return try Detector(header: header, weights: weights)
        } catch let error as CheckpointError {
            throw fail(error.description, status: ExitStatus.noInput)
        } catch let error as DetectorError {
            throw fail("\(path): \(error.description)", status: ExitStatus.data)
        } catch {
            throw fail("\(path): \(error)", status: ExitStatus.data)
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
