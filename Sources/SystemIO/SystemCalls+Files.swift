internal import Glibc

/// What is at a path, as `lstat(2)` sees it.
package enum FileType: Sendable, Equatable {
    case regular, directory, symbolicLink, characterDevice, blockDevice, fifo, socket, unknown

    /// The type in `mode`'s `S_IFMT` bits.
    init(mode: mode_t) {
        self =
            switch mode & S_IFMT {
            case S_IFREG: .regular
            case S_IFDIR: .directory
            case S_IFLNK: .symbolicLink
            case S_IFCHR: .characterDevice
            case S_IFBLK: .blockDevice
            case S_IFIFO: .fifo
            case S_IFSOCK: .socket
            default: .unknown
            }
    }
}

/// Calls on paths and on what a descriptor refers to.
extension SystemCalls {
    /// `rename(2)`.
    package static func rename(_ source: String, _ target: String) throws(SystemCallError) {
        _ = try retryingInterrupts("rename", path: source) { Glibc.rename(source, target) }
    }

    /// `unlink(2)`.
    package static func unlink(_ path: String) throws(SystemCallError) {
        _ = try retryingInterrupts("unlink", path: path) { Glibc.unlink(path) }
    }

    /// `mkdir(2)`; an existing directory is fine.
    package static func makeDirectory(_ path: String, permissions: UInt32) throws(SystemCallError) {
        guard Glibc.mkdir(path, mode_t(permissions)) == 0 || Glibc.errno == EEXIST else {
            throw SystemCallError(call: "mkdir", path: path, errno: Glibc.errno)
        }
    }

    /// `fstat(2)`; returns the file's size in bytes.
    package static func fileSize(_ descriptor: CInt, path: String? = nil) throws(SystemCallError) -> Int {
        var info = stat()
        _ = try retryingInterrupts("fstat", path: path) { Glibc.fstat(descriptor, &info) }
        return Int(info.st_size)
    }

    /// `fstat(2)`: whether `descriptor` is a regular file (not a pipe, a terminal or a socket); false when it
    /// cannot say.
    package static func isRegularFile(_ descriptor: CInt) -> Bool {
        var info = stat()
        return Glibc.fstat(descriptor, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    /// `lstat(2)`: whether `path` is a regular file (a symbolic link is not).
    package static func isRegularFile(_ path: String) throws(SystemCallError) -> Bool {
        try fileType(path) == .regular
    }

    /// `lstat(2)`: what is at `path`, not following a last symbolic link.
    package static func fileType(_ path: String) throws(SystemCallError) -> FileType {
        var info = stat()
        _ = try retryingInterrupts("lstat", path: path) { Glibc.lstat(path, &info) }
        return FileType(mode: info.st_mode)
    }

    /// `realpath(3)`: the absolute path of `path` with every symbolic link resolved.
    package static func resolvedPath(_ path: String) throws(SystemCallError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw SystemCallError(call: "realpath", path: path, errno: Glibc.errno)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `opendir(3)` and `readdir(3)`: the names of every entry of the directory except `.` and `..`.
    package static func entryNames(ofDirectoryAt path: String) throws(SystemCallError) -> [String] {
        guard let stream = opendir(path) else {
            throw SystemCallError(call: "opendir", path: path, errno: Glibc.errno)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while true {
            Glibc.errno = 0
            guard let entry = readdir(stream) else {
                let code = Glibc.errno
                if code == 0 { return names }
                throw SystemCallError(call: "readdir", path: path, errno: code)
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }
}
