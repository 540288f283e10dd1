internal import Glibc

/// A failed system call: the C function, the path it acted on, the `errno` it left, and what to do next; or a file
/// that ``OutputFile`` refused before any call could fail (a block device, a socket, a link to nothing).
///
/// The one error of ``SystemCalls`` and ``OutputFile``. Modules above add what the caller was doing
/// (``described(cannot:_:)``) or wrap it in their own error.
package struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C function, e.g. `fsync`.
    package var call: String
    /// The path the call acted on; nil for a call on a descriptor alone (standard output, a pipe).
    package var path: String?
    /// The `errno` value; 0 for a refusal, where no call failed.
    package var errno: CInt
    /// What to do next, as a sentence; for a refusal, what is wrong with the file and what to do.
    package var remedy: String?

    /// A failure of `call` on `path` with `errno`.
    package init(call: String, path: String? = nil, errno: CInt, remedy: String? = nil) {
        self.call = call
        self.path = path
        self.errno = errno
        self.remedy = remedy
    }

    /// A refusal to use the file at `path`, before any call failed; `reason` says why and what to do.
    package static func refused(_ path: String, reason: String) -> SystemCallError {
        SystemCallError(call: "open", path: path, errno: 0, remedy: reason)
    }

    /// Whether the file was refused rather than a call failing.
    package var isRefusal: Bool { errno == 0 }

    /// The C library's text for ``errno``, e.g. `Input/output error`.
    package var message: String { String(cString: strerror(errno)) }

    /// Whether ``errno`` is `ENOENT`: nothing at the path.
    package var isNotFound: Bool { errno == ENOENT }

    /// Whether ``errno`` is `EPIPE`: a write to a pipe that nobody reads any more.
    package var isBrokenPipe: Bool { errno == EPIPE }

    /// `fsync(/var/lib/vaewatch/model.tmp.7.a3) failed: Input/output error (errno 5). <remedy>`; for a refusal,
    /// the reason alone.
    package var description: String {
        if isRefusal { return remedy ?? "refused" }
        let subject = path.map { "(\($0))" } ?? ""
        return "\(call)\(subject) failed: \(message) (errno \(errno))" + (remedy.map { ". " + $0 } ?? "")
    }

    /// `cannot <action> <path>: <description>`, for a message that names what the caller was doing.
    package func described(cannot action: String, _ path: String) -> String {
        "cannot \(action) \(path): \(description)"
    }

    /// The same error with `remedy` as its advice, unless it already has one.
    package func advising(_ remedy: String) -> SystemCallError {
        var copy = self
        if copy.remedy == nil { copy.remedy = remedy }
        return copy
    }
}
