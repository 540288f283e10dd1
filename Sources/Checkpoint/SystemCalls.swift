internal import Glibc

/// A failed system call: the C function's name and the `errno` it left.
struct SystemCallError: Error, Equatable {
    /// The C function, e.g. `fsync`.
    var call: String
    /// The `errno` value.
    var errno: CInt

    /// The C library's text for ``errno``.
    var message: String { String(cString: strerror(errno)) }
}

/// Thin wrappers over the libc calls the store makes. Each names its C function, retries `EINTR` (except
/// `close`), and throws ``SystemCallError`` for errors the environment causes.
enum SystemCalls {
    /// Calls `body` until it returns something other than -1, or fails with an errno other than `EINTR`.
    @inline(__always)
    private static func retryingInterrupts<Result: BinaryInteger>(
        _ call: String, _ body: () -> Result
    ) throws(SystemCallError) -> Result {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = Glibc.errno
            if code != EINTR { throw SystemCallError(call: call, errno: code) }
        }
    }

    /// `open(2)`; returns the new descriptor.
    static func open(_ path: String, _ flags: CInt, _ mode: mode_t = 0) throws(SystemCallError) -> CInt {
        try retryingInterrupts("open") { Glibc.open(path, flags, mode) }
    }

    /// `write(2)` until every byte of `bytes` is written, resuming after partial writes.
    static func writeAll(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let remaining = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let written = try retryingInterrupts("write") {
                Glibc.write(descriptor, remaining.baseAddress, remaining.count)
            }
            // A regular file never accepts 0 of a non-empty write; report it rather than spin.
            guard written > 0 else { throw SystemCallError(call: "write", errno: EIO) }
            offset += written
        }
    }

    /// `pread(2)` from `offset` until `buffer` is full or the file ends; returns the bytes read.
    static func readFully(
        _ descriptor: CInt, into buffer: UnsafeMutableRawBufferPointer, offset: Int
    ) throws(SystemCallError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let remaining = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
            let count = try retryingInterrupts("read") {
                Glibc.pread(descriptor, remaining.baseAddress, remaining.count, off_t(offset + filled))
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// `fsync(2)`. A failure is final: the kernel may already have dropped the dirty pages, so a later
    /// `fsync` that succeeds proves nothing.
    static func fsync(_ descriptor: CInt) throws(SystemCallError) {
        _ = try retryingInterrupts("fsync") { Glibc.fsync(descriptor) }
    }

    /// `close(2)`, never retried: on Linux the descriptor is released even when `close` reports `EINTR`,
    /// and a retry could close a descriptor another thread has just opened.
    static func close(_ descriptor: CInt) throws(SystemCallError) {
        if Glibc.close(descriptor) == -1 {
            throw SystemCallError(call: "close", errno: Glibc.errno)
        }
    }

    /// `rename(2)`.
    static func rename(_ source: String, _ target: String) throws(SystemCallError) {
        _ = try retryingInterrupts("rename") { Glibc.rename(source, target) }
    }

    /// `unlink(2)`.
    static func unlink(_ path: String) throws(SystemCallError) {
        _ = try retryingInterrupts("unlink") { Glibc.unlink(path) }
    }

    /// `fstat(2)`; returns the file's size in bytes.
    static func fileSize(_ descriptor: CInt) throws(SystemCallError) -> Int {
        var info = stat()
        _ = try retryingInterrupts("fstat") { Glibc.fstat(descriptor, &info) }
        return Int(info.st_size)
    }

    /// `lstat(2)`: whether `path` is a regular file (a symbolic link is not).
    static func isRegularFile(_ path: String) throws(SystemCallError) -> Bool {
        var info = stat()
        _ = try retryingInterrupts("lstat") { Glibc.lstat(path, &info) }
        return info.st_mode & S_IFMT == S_IFREG
    }

    /// `mkdir(2)`; an existing directory is fine.
    static func makeDirectory(_ path: String, mode: mode_t) throws(SystemCallError) {
        guard Glibc.mkdir(path, mode) == 0 || Glibc.errno == EEXIST else {
            throw SystemCallError(call: "mkdir", errno: Glibc.errno)
        }
    }

    /// `opendir(3)` and `readdir(3)`: the names of every entry of the directory except `.` and `..`.
    static func entryNames(ofDirectoryAt path: String) throws(SystemCallError) -> [String] {
        guard let stream = opendir(path) else { throw SystemCallError(call: "opendir", errno: Glibc.errno) }
        defer { closedir(stream) }
        var names: [String] = []
        while true {
            Glibc.errno = 0
            guard let entry = readdir(stream) else {
                let code = Glibc.errno
                if code == 0 { return names }
                throw SystemCallError(call: "readdir", errno: code)
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }
}
