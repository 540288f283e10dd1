import Checkpoint
import Detector

/// Model files and registry bytes as detectors (``DetectorFile``), failing as the daemon fails. Every model the
/// daemon loads must have been trained with its `source.time_column` (`timeColumn`, nil for none).
enum ModelFiles {
    /// The detector in model-file `bytes` (from the registry), called `name` in messages.
    static func detector(from bytes: [UInt8], name: String, expectedFeatures: [String]?, timeColumn: String?)
        throws(DaemonError) -> Detector
    {
        do {
            return try DetectorFile.load(
                bytes: bytes, name: name, expectedFeatures: expectedFeatures, timeColumn: .expected(timeColumn))
        } catch {
            throw DaemonError(.model, error.description)
        }
    }

    /// The detector in the model file at `path`.
    static func detector(atPath path: String, expectedFeatures: [String]?, timeColumn: String?) throws(DaemonError)
        -> Detector
    {
        do {
            return try DetectorFile.load(
                path: path, expectedFeatures: expectedFeatures, timeColumn: .expected(timeColumn))
        } catch {
            throw DaemonError(.model, error.description)
        }
    }
}
