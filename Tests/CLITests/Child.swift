import Glibc
import TestSupport
import Testing

/// A `vaewatch` process started by a test, with its stdin, stdout and stderr wired to files or pipes.
final class Child {
    let pid: pid_t
    /// The write end of the child's stdin pipe, when stdin is a pipe; close it to send end of input.
    private(set) var input: CInt?
    /// The read end of the child's stdout pipe, when stdout is a pipe.
    let output: CInt?
    /// The directory and name of the file that receives stderr.
    private let errorFile: (TestDirectory, String)

    /// Where the child's stdin comes from.
    enum Input {
        case file(String)
        case pipe
    }

    /// Where the child's stdout goes.
    enum Output {
        case file(String)
        case pipe
    }

    /// The built `vaewatch` executable, beside the test bundle.
    static var executable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = String(decoding: buffer[0..<max(0, count)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) + "/vaewatch"
    }

    init(_ arguments: [String], stdin: Input, stdout: Output, stderr: (TestDirectory, String)) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var inputPipe: [CInt] = [-1, -1]
        var outputPipe: [CInt] = [-1, -1]
        switch stdin {
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        case .pipe:
            try #require(pipe(&inputPipe) == 0)
            for end in inputPipe { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        }
        switch stdout {
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        case .pipe:
            try #require(pipe(&outputPipe) == 0)
            for end in outputPipe { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        }
        posix_spawn_file_actions_addopen(&actions, 2, stderr.0.file(stderr.1), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([Self.executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, Self.executable, &actions, nil, argv, environ)
        try #require(rc == 0, "posix_spawn \(Self.executable): \(rc)")
        pid = child
        if case .pipe = stdin {
            close(inputPipe[0])
            input = inputPipe[1]
        }
        if case .pipe = stdout {
            close(outputPipe[1])
            output = outputPipe[0]
        } else {
            output = nil
        }
        errorFile = stderr
    }

    /// Writes `bytes` to the child's stdin.
    func send(_ bytes: [UInt8]) {
        guard let input else { return }
        _ = bytes.withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
    }

    /// Closes the child's stdin.
    func closeInput() {
        if let input { close(input) }
        input = nil
    }

    /// Waits for the child; returns its exit status, or nil when a signal ended it (with the signal).
    func wait() -> (status: Int32?, signal: Int32?) {
        closeInput()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let output { close(output) }
        return Self.decode(status)
    }

    /// Waits for the child without touching its stdout pipe (already closed by the test).
    func waitKeepingOutput() -> (status: Int32?, signal: Int32?) {
        closeInput()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Self.decode(status)
    }

    /// Waits for the child; also returns its peak resident memory in bytes (`ru_maxrss` from `wait4`).
    func waitWithPeakMemory() -> (status: Int32?, signal: Int32?, peakBytes: Int) {
        closeInput()
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        if let output { close(output) }
        let (code, signal) = Self.decode(status)
        return (code, signal, usage.ru_maxrss * 1024)
    }

    /// Exit status or terminating signal from a `waitpid` status word.
    static func decode(_ status: Int32) -> (Int32?, Int32?) {
        let signaled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
        return signaled ? (nil, status & 0x7F) : ((status >> 8) & 0xFF, nil)
    }

    /// The child's stderr so far.
    var errors: String {
        (try? errorFile.0.contents(of: errorFile.1)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}

/// The outcome of a finished `vaewatch` run.
struct RunResult {
    var status: Int32?
    var signal: Int32?
    var stdout: String
    var stderr: String

    /// The stdout lines, without the empty string after the final newline.
    var lines: [Substring] {
        stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast(stdout.hasSuffix("\n") ? 1 : 0).map {
            $0
        }
    }
}

/// Runs `vaewatch` with `arguments`, stdin from `input` bytes, and waits for it.
func vaewatch(_ arguments: [String], input: [UInt8] = [], in directory: TestDirectory) throws -> RunResult {
    let name = "run-\(UInt32.random(in: 0...UInt32.max))"
    try directory.write(input, to: name + ".in")
    let child = try Child(
        arguments, stdin: .file(directory.file(name + ".in")), stdout: .file(directory.file(name + ".out")),
        stderr: (directory, name + ".err"))
    let (status, signal) = child.wait()
    return RunResult(
        status: status, signal: signal,
        stdout: String(decoding: try directory.contents(of: name + ".out"), as: UTF8.self),
        stderr: child.errors)
}
