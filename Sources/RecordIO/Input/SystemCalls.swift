internal import Glibc

/// The libc calls of the readers and writers. Each names its C function in errors and retries `EINTR`.
enum SystemCalls {
    /// `read(2)` into `buffer`; returns the byte count (0 at end of input).
    static func read(_ descriptor: CInt, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return .success(count) }
            if errno != EINTR { return .failure(Errno(errno)) }
        }
    }

    /// `write(2)` until every byte is written, resuming after partial writes; returns the bytes written, all of
    /// them unless a call failed, and the failure.
    static func writeAll(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer) -> (written: Int, failure: Errno?) {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count > 0 {
                offset += count
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return (offset, Errno(count == 0 ? EIO : errno))
            }
        }
        return (offset, nil)
    }

    /// `poll(2)` for readability of one descriptor; true when it is readable (or at end or in error, which
    /// the next read reports), false when `milliseconds` passed first.
    static func waitReadable(_ descriptor: CInt, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = Glibc.poll(&entry, 1, milliseconds)
            if ready >= 0 { return ready > 0 }
            if errno != EINTR { return true }
        }
    }

    /// Whether `descriptor` is a regular file (not a pipe, a terminal or a socket).
    static func isRegularFile(_ descriptor: CInt) -> Bool {
        var info = stat()
        return fstat(descriptor, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    /// Seconds on the monotonic clock.
    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}

/// An `errno` value with its C library text.
struct Errno: Error, Equatable, CustomStringConvertible {
    /// The raw value.
    var rawValue: CInt
    init(_ rawValue: CInt) { self.rawValue = rawValue }

    /// Whether the value is `EPIPE`, the code of a write to a pipe nobody reads.
    var isBrokenPipe: Bool { rawValue == EPIPE }
    /// The C library's text, e.g. "No space left on device".
    var description: String { String(cString: strerror(rawValue)) }
}
