internal import SystemIO
import VAE

/// Model files on disk: atomic, durable replacement and checked loading. The bytes come from and go to
/// ``ModelFileFormat``.
package enum ModelFileStore {
    /// Replaces the file at `path` with `bytes`, atomically and durably.
    ///
    /// Writes a temporary file `<path>.tmp.<pid>.<random hex>` in the same directory (mode 0600, created
    /// exclusively), `fsync`s and closes it, renames it over `path`, then `fsync`s the directory. A reader
    /// sees the old file or the new one, never a mix; after a crash, at worst a temporary file is left for
    /// ``removeStaleTemporaryFiles(in:forBaseName:)``. On any failure before the rename the temporary file is
    /// removed and the previous file is untouched. A failed `fsync` is not retried.
    /// A character device or FIFO at `path` is written in place, and a symbolic link is followed, by SystemIO's
    /// `OutputFile`; the atomic replace applies to regular files only.
    package static func write(_ bytes: [UInt8], to path: String) throws(CheckpointError) {
        do {
            try OutputFile.write(bytes, to: path, noun: "model file")
        } catch {
            throw CheckpointError(error, .save, path: path)
        }
    }

    /// Reads and checks the model file at `path`.
    ///
    /// Reads the fixed-size prefix first and checks the declared length against the file's size, so an
    /// absurd or truncated file is refused before a buffer for it is allocated; then reads the whole file and
    /// decodes it with ``ModelFileFormat/decode(_:source:expectedFeatures:)``.
    ///
    /// - Parameter expectedFeatures: the feature names the caller will feed the model, in column order;
    ///   a model trained on other features is refused.
    package static func read(
        path: String, expectedFeatures: [String]? = nil
    ) throws(CheckpointError) -> (header: ModelHeader, weights: [Float]) {
        let remedy = "Check the path and its permissions, or train a model with `vaewatch train`"
        let descriptor: CInt
        do {
            descriptor = try SystemCalls.openForReading(path)
        } catch {
            throw .system(error, .load, path: path, subject: path, remedy: remedy)
        }
        defer { try? SystemCalls.close(descriptor) }
        let bytes = try readChecked(descriptor, path: path, remedy: remedy)
        do {
            return try bytes.withUnsafeBufferPointer { (buffer) throws(ModelFileError) in
                try ModelFileFormat.decode(
                    UnsafeRawBufferPointer(buffer), source: path, expectedFeatures: expectedFeatures)
            }
        } catch {
            throw .format(error)
        }
    }

    /// Reads the whole file open as `descriptor` once its prefix and its size agree.
    private static func readChecked(
        _ descriptor: CInt, path: String, remedy: String
    ) throws(CheckpointError) -> [UInt8] {
        /// `pread`s from the start of the file into `bytes`; returns the count read.
        func read(into bytes: inout [UInt8]) throws(CheckpointError) -> Int {
            do {
                return try bytes.withUnsafeMutableBufferPointer { (buffer) throws(SystemCallError) in
                    try SystemCalls.readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer), offset: 0)
                }
            } catch {
                throw .system(error, .load, path: path, subject: path, remedy: remedy)
            }
        }
        let size: Int
        do {
            size = try SystemCalls.fileSize(descriptor)
        } catch {
            throw .system(error, .load, path: path, subject: path, remedy: remedy)
        }
        var length = size  // A file shorter than the prefix is read whole (it is tiny) and refused by `decode`.
        if size >= ModelFileFormat.prefixLength {
            var prefix = [UInt8](repeating: 0, count: ModelFileFormat.prefixLength)
            let count = try read(into: &prefix)
            do {
                length = try prefix[..<count].withUnsafeBufferPointer { (buffer) throws(ModelFileError) in
                    try ModelFileFormat.expectedLength(prefix: UnsafeRawBufferPointer(buffer), source: path)
                }
            } catch {
                throw .format(error)
            }
            guard length == size else {
                throw .format(ModelFileFormat.lengthMismatch(expected: length, found: size, source: path))
            }
        }
        var bytes = [UInt8](repeating: 0, count: length)
        let count = try read(into: &bytes)
        guard count == length else {  // The file shrank after `fstat`.
            throw .format(ModelFileFormat.lengthMismatch(expected: length, found: count, source: path))
        }
        return bytes
    }
}
