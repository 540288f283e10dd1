internal import Glibc

/// A whole file written to a path a user named: a model file, a report.
///
/// Only a regular file, or a path where nothing exists yet, is replaced atomically (a temporary file beside it,
/// `fsync`ed and renamed over it, then the directory `fsync`ed). A character device (`/dev/null`) or a FIFO is
/// written in place, as a shell's `>` would; a FIFO that no process reads is refused rather than waited on. A
/// symbolic link is followed to the file it names, and never replaced itself. A block device, a socket or a link
/// to nothing is refused with the reason, and a directory by the rename.
package enum OutputFile {
    /// Writes `bytes` to `path` by the rules above.
    ///
    /// - Parameters:
    ///   - permissions: the mode of a file created by the atomic replace.
    ///   - durable: whether the atomic replace `fsync`s the file and its directory; false for a file in a tmpfs
    ///     (the runtime folder's pid and status files), which no power failure can keep.
    ///   - action: what the caller is doing, for messages.
    ///   - noun: what the file is, for messages: `model file`, `report`.
    package static func write(
        _ bytes: [UInt8], to path: String, permissions: UInt32 = 0o600, durable: Bool = true,
        action: CheckpointError.SystemFailure.Action = .write, noun: String = "file"
    ) throws(CheckpointError) {
        var target = path
        var type = fileType(path)
        if type == S_IFLNK {
            guard let resolved = realpath(path, nil) else {
                throw .refused(
                    path: path,
                    reason:
                        "it is a symbolic link to a file that does not exist (\(String(cString: strerror(errno)))); "
                        + "create the file it names first, or name the \(noun) itself")
            }
            target = String(cString: resolved)
            free(resolved)
            type = fileType(target)
        }
        switch type {
        case nil, S_IFREG, S_IFDIR:  // the rename refuses a directory (EISDIR), leaving it as it was
            try replaceAtomically(
                bytes, at: target, path: path, permissions: permissions, durable: durable, action: action, noun: noun)
        case S_IFCHR, S_IFIFO:
            try writeInPlace(bytes, at: target, path: path, isFIFO: type == S_IFIFO, action: action, noun: noun)
        default:
            let kind =
                switch type {
                case S_IFBLK: "a block device"
                case S_IFSOCK: "a socket"
                default: "not a regular file"
                }
            throw .refused(
                path: path,
                reason: "\(target == path ? "it" : target) is \(kind); name a regular file (or a character device "
                    + "or FIFO, written in place) for the \(noun)")
        }
    }

    /// The file type bits of `path`, not following a last symbolic link; nil when nothing is there.
    private static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// Opens `target`, a character device or a FIFO, and writes `bytes` to it; a FIFO is opened without waiting,
    /// so that one with no reader is refused at once.
    private static func writeInPlace(
        _ bytes: [UInt8], at target: String, path: String, isFIFO: Bool,
        action: CheckpointError.SystemFailure.Action, noun: String
    ) throws(CheckpointError) {
        let remedy =
            isFIFO
            ? "No process is reading it; start its reader first, or name a regular file for the \(noun)"
            : "Check that the device is writable, or name a regular file for the \(noun)"
        let descriptor: CInt
        do {
            descriptor = try SystemCalls.open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY | (isFIFO ? O_NONBLOCK : 0))
            if isFIFO { _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK) }
        } catch {
            throw .system(error, action, path: path, subject: target, remedy: remedy)
        }
        do {
            try bytes.withUnsafeBufferPointer { (buffer) throws(SystemCallError) in
                try SystemCalls.writeAll(descriptor, UnsafeRawBufferPointer(buffer))
            }
            try SystemCalls.close(descriptor)
        } catch {
            if error.call != "close" { try? SystemCalls.close(descriptor) }
            throw .system(error, action, path: path, subject: target, remedy: remedy)
        }
    }

    /// Replaces the regular file at `target` (or creates it) with `bytes`, atomically and, when `durable`,
    /// durably; see ``ModelFileStore/write(_:to:)``.
    private static func replaceAtomically(
        _ bytes: [UInt8], at target: String, path: String, permissions: UInt32, durable: Bool,
        action: CheckpointError.SystemFailure.Action, noun: String
    ) throws(CheckpointError) {
        let directory = try ModelFileStore.directory(of: target)
        let before =
            "The previous \(noun), if any, is unchanged; check free space and permissions in "
            + "\(directory), then save again"
        let (temporary, descriptor) = try ModelFileStore.createTemporaryFile(
            for: target, permissions: mode_t(permissions), action: action, remedy: before)
        func abandon(_ error: SystemCallError, closing: Bool) -> CheckpointError {
            if closing { try? SystemCalls.close(descriptor) }
            try? SystemCalls.unlink(temporary)
            return .system(error, action, path: path, subject: temporary, remedy: before)
        }
        do {
            try bytes.withUnsafeBufferPointer { (buffer) throws(SystemCallError) in
                try SystemCalls.writeAll(descriptor, UnsafeRawBufferPointer(buffer))
            }
            if durable { try SystemCalls.fsync(descriptor) }
        } catch {
            throw abandon(error, closing: true)
        }
        do {
            try SystemCalls.close(descriptor)
            try SystemCalls.rename(temporary, target)
        } catch {
            throw abandon(error, closing: false)
        }
        guard durable else { return }
        let after =
            "The new \(noun) is in place but may not survive a power failure; check the disk, then save again"
        do {
            let directoryDescriptor = try SystemCalls.open(directory, O_DIRECTORY | O_RDONLY | O_CLOEXEC)
            defer { try? SystemCalls.close(directoryDescriptor) }
            try SystemCalls.fsync(directoryDescriptor)
        } catch {
            throw .system(error, action, path: path, subject: directory, remedy: after)
        }
    }
}
