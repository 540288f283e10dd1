internal import Glibc

extension OutputFile {
    /// Replaces the regular file at `target` (or creates it) with `bytes`, atomically and, when `durable`, durably.
    ///
    /// Writes a temporary file `<target>.tmp.<pid>.<random hex>` in the same directory (``TemporaryFile``, mode
    /// `permissions`, created exclusively), `fsync`s and closes it, renames it over `target`, then `fsync`s the
    /// directory. A reader sees the old file or the new one, never a mix; after a crash, at worst a temporary file is
    /// left. On any failure before the rename the temporary file is removed and the previous file is untouched. A
    /// failed `fsync` is not retried.
    package static func replaceAtomically(
        _ bytes: [UInt8], at target: String, permissions: UInt32 = 0o600, durable: Bool = true,
        noun: String = "file"
    ) throws(SystemCallError) {
        let directory = try directory(of: target, noun: noun)
        let before =
            "The previous \(noun), if any, is unchanged; check free space and permissions in "
            + "\(directory), then save again"
        let (temporary, descriptor) = try TemporaryFile.create(beside: target, permissions: permissions, remedy: before)
        func abandon(_ error: SystemCallError, closing: Bool) -> SystemCallError {
            if closing { try? SystemCalls.close(descriptor) }
            try? SystemCalls.unlink(temporary)
            var error = error
            error.path = temporary
            return error.advising(before)
        }
        do {
            try bytes.withUnsafeBufferPointer { (buffer) throws(SystemCallError) in
                try SystemCalls.writeAll(descriptor, UnsafeRawBufferPointer(buffer), path: temporary)
            }
            if durable { try SystemCalls.fsync(descriptor, path: temporary) }
        } catch {
            throw abandon(error, closing: true)
        }
        do {
            try SystemCalls.close(descriptor, path: temporary)
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
            try SystemCalls.fsync(directoryDescriptor, path: directory)
        } catch {
            throw error.advising(after)
        }
    }

    /// The directory that holds `path`: the part before the last `/`, `/` for a file in the root, and `.` for
    /// a bare name. Refuses an empty path and one that ends in `/`.
    static func directory(of path: String, noun: String) throws(SystemCallError) -> String {
        let problem: CInt? = path.isEmpty ? ENOENT : path.hasSuffix("/") ? EISDIR : nil
        if let problem {
            throw SystemCallError(call: "open", path: path, errno: problem, remedy: "Name a \(noun), not a directory")
        }
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
