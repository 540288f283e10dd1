internal import Glibc

/// Thin wrappers over the libc calls vaewatch makes on files and descriptors. Each names its C function, retries
/// `EINTR` (except `close`), and throws ``SystemCallError`` for errors the environment causes. `path`, where a
/// wrapper takes one for a descriptor, only names the file in the error.
package enum SystemCalls {
    /// Calls `body` until it returns something other than -1, or fails with an errno other than `EINTR`.
    @inline(__always)
    static func retryingInterrupts<Result: BinaryInteger>(
        _ call: String, path: String?, _ body: () -> Result
    ) throws(SystemCallError) -> Result {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = Glibc.errno
            if code != EINTR { throw SystemCallError(call: call, path: path, errno: code) }
        }
    }

    /// `open(2)` with `flags` and, for a created file, `permissions`; returns the new descriptor.
    static func open(_ path: String, _ flags: CInt, permissions: UInt32 = 0) throws(SystemCallError) -> CInt {
        try retryingInterrupts("open", path: path) { Glibc.open(path, flags, mode_t(permissions)) }
    }

    /// `open(2)` of `path` for reading (`O_RDONLY | O_CLOEXEC`); returns the new descriptor.
    package static func openForReading(_ path: String) throws(SystemCallError) -> CInt {
        try open(path, O_RDONLY | O_CLOEXEC)
    }

    /// `open(2)` of `path` for appending, created with `permissions` if missing
    /// (`O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC`); returns the new descriptor.
    package static func openForAppending(_ path: String, permissions: UInt32) throws(SystemCallError) -> CInt {
        try open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, permissions: permissions)
    }

    /// `open(2)` of `path` for writing from empty, created with `permissions` if missing
    /// (`O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC`); returns the new descriptor. Not atomic: see ``OutputFile``.
    package static func openForWriting(_ path: String, permissions: UInt32) throws(SystemCallError) -> CInt {
        try open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions: permissions)
    }

    /// `close(2)`, never retried: on Linux the descriptor is released even when `close` reports `EINTR`,
    /// and a retry could close a descriptor another thread has just opened.
    package static func close(_ descriptor: CInt, path: String? = nil) throws(SystemCallError) {
        if Glibc.close(descriptor) == -1 {
            throw SystemCallError(call: "close", path: path, errno: Glibc.errno)
        }
    }

    /// `read(2)` into `buffer`; returns the byte count, 0 at the end of the input.
    package static func read(
        _ descriptor: CInt, into buffer: UnsafeMutableRawBufferPointer, path: String? = nil
    ) throws(SystemCallError) -> Int {
        try retryingInterrupts("read", path: path) { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
    }

    /// `pread(2)` from `offset` until `buffer` is full or the file ends; returns the bytes read.
    package static func readFully(
        _ descriptor: CInt, into buffer: UnsafeMutableRawBufferPointer, offset: Int, path: String? = nil
    ) throws(SystemCallError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let remaining = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
            let count = try retryingInterrupts("read", path: path) {
                Glibc.pread(descriptor, remaining.baseAddress, remaining.count, off_t(offset + filled))
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// `read(2)` until the end of the input or `limit` bytes, whichever comes first; returns what was read.
    package static func readAll(
        _ descriptor: CInt, limit: Int = .max, path: String? = nil
    ) throws(SystemCallError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(limit, 1 << 16))
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let count = try chunk.withUnsafeMutableBufferPointer { (buffer) throws(SystemCallError) in
                try read(
                    descriptor,
                    into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[..<wanted])),
                    path: path)
            }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }

    /// `write(2)` until every byte of `bytes` is written, resuming after partial writes.
    package static func writeAll(
        _ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, path: String? = nil
    ) throws(SystemCallError) {
        _ = try write(descriptor, bytes, path: path, stoppingAtBrokenPipe: false)
    }

    /// `write(2)` until every byte of `bytes` is written, resuming after partial writes, unless the reader of the
    /// pipe goes away (`EPIPE`, with SIGPIPE ignored); returns the bytes written, fewer than all when it went away.
    package static func writeAllUnlessClosed(
        _ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, path: String? = nil
    ) throws(SystemCallError) -> Int {
        try write(descriptor, bytes, path: path, stoppingAtBrokenPipe: true)
    }

    /// The loop of ``writeAll(_:_:path:)`` and ``writeAllUnlessClosed(_:_:path:)``.
    private static func write(
        _ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, path: String?, stoppingAtBrokenPipe: Bool
    ) throws(SystemCallError) -> Int {
        var offset = 0
        while offset < bytes.count {
            let remaining = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let written: Int
            do {
                written = try retryingInterrupts("write", path: path) {
                    Glibc.write(descriptor, remaining.baseAddress, remaining.count)
                }
            } catch  where stoppingAtBrokenPipe && error.isBrokenPipe {
                return offset
            }
            // No file accepts 0 of a non-empty write for good; report it rather than spin.
            guard written > 0 else { throw SystemCallError(call: "write", path: path, errno: EIO) }
            offset += written
        }
        return offset
    }

    /// `fsync(2)`. A failure is final: the kernel may already have dropped the dirty pages, so a later
    /// `fsync` that succeeds proves nothing.
    package static func fsync(_ descriptor: CInt, path: String? = nil) throws(SystemCallError) {
        _ = try retryingInterrupts("fsync", path: path) { Glibc.fsync(descriptor) }
    }
}
