internal import Glibc

/// A whole file written to a path a user named: a model file, a report, the status and pid files.
///
/// Only a regular file, or a path where nothing exists yet, is replaced atomically (``replaceAtomically``: a
/// temporary file beside it, `fsync`ed and renamed over it, then the directory `fsync`ed). A character device
/// (`/dev/null`) or a FIFO is written in place, as a shell's `>` would; a FIFO that no process reads is refused rather
/// than waited on. A symbolic link is followed to the file it names, and never replaced itself. A block device, a
/// socket or a link to nothing is refused with the reason (``SystemCallError/isRefusal``), and a directory by the
/// rename.
package enum OutputFile {
    /// Writes `bytes` to `path` by the rules above.
    ///
    /// - Parameters:
    ///   - permissions: the mode of a file created by the atomic replace.
    ///   - durable: whether the atomic replace `fsync`s the file and its directory; false for a file in a tmpfs
    ///     (the runtime folder's pid and status files), which no power failure can keep.
    ///   - noun: what the file is, for messages: `model file`, `report`.
    /// - Throws: ``SystemCallError`` naming the call and the path it acted on (the temporary file, the directory,
    ///   the file a link names), with a remedy that says whether the previous file is unchanged.
    package static func write(
        _ bytes: [UInt8], to path: String, permissions: UInt32 = 0o600, durable: Bool = true, noun: String = "file"
    ) throws(SystemCallError) {
        var target = path
        var type = try? SystemCalls.fileType(path)
        if type == .symbolicLink {
            do {
                target = try SystemCalls.resolvedPath(path)
            } catch {
                throw .refused(
                    path,
                    reason: "it is a symbolic link to a file that does not exist (\(error.message)); "
                        + "create the file it names first, or name the \(noun) itself")
            }
            type = try? SystemCalls.fileType(target)
        }
        switch type {
        case nil, .regular, .directory:  // the rename refuses a directory (EISDIR), leaving it as it was
            try replaceAtomically(bytes, at: target, permissions: permissions, durable: durable, noun: noun)
        case .characterDevice, .fifo:
            try writeInPlace(bytes, at: target, isFIFO: type == .fifo, noun: noun)
        case .blockDevice, .socket, .symbolicLink, .unknown:
            let kind =
                switch type {
                case .blockDevice: "a block device"
                case .socket: "a socket"
                default: "not a regular file"
                }
            throw .refused(
                path,
                reason: "\(target == path ? "it" : target) is \(kind); name a regular file (or a character device "
                    + "or FIFO, written in place) for the \(noun)")
        }
    }

    /// Opens `target`, a character device or a FIFO, and writes `bytes` to it; a FIFO is opened without waiting,
    /// so that one with no reader is refused at once.
    private static func writeInPlace(
        _ bytes: [UInt8], at target: String, isFIFO: Bool, noun: String
    ) throws(SystemCallError) {
        let remedy =
            isFIFO
            ? "No process is reading it; start its reader first, or name a regular file for the \(noun)"
            : "Check that the device is writable, or name a regular file for the \(noun)"
        let descriptor: CInt
        do {
            descriptor = try SystemCalls.open(
                target, O_WRONLY | O_CLOEXEC | O_NOCTTY | (isFIFO ? O_NONBLOCK : 0))
            if isFIFO { _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK) }
        } catch {
            throw error.advising(remedy)
        }
        do {
            try bytes.withUnsafeBufferPointer { (buffer) throws(SystemCallError) in
                try SystemCalls.writeAll(descriptor, UnsafeRawBufferPointer(buffer), path: target)
            }
            try SystemCalls.close(descriptor, path: target)
        } catch {
            if error.call != "close" { try? SystemCalls.close(descriptor) }
            throw error.advising(remedy)
        }
    }
}
