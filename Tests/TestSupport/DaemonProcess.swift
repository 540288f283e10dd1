import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A line a child process wrote, and when the harness read it (seconds on `CLOCK_MONOTONIC`, the clock of
/// ``NotifyReceiver/now()``).
public struct TimedLine: Sendable, CustomStringConvertible {
    /// The line without its newline.
    public let text: String
    /// When the harness read it.
    public let time: Double

    /// The time and the text.
    public var description: String { "[\(formatSeconds(time))] \(text)" }
}

/// How a child process ended, and when the harness reaped it.
public struct Termination: Sendable, Equatable, CustomStringConvertible {
    /// The exit status, or nil when a signal ended the process.
    public let status: Int32?
    /// The signal that ended the process, or nil when it exited.
    public let signal: Int32?
    /// When `waitpid` returned it, in seconds on `CLOCK_MONOTONIC`.
    public let time: Double

    /// "exit status N" or "signal N".
    public var description: String { status.map { "exit status \($0)" } ?? "signal \(signal ?? 0)" }
}

/// A long-running child process (a daemon under test) started with `posix_spawn`: its stdin is a pipe the test
/// writes to and closes, its stdout and stderr are pipes drained by a background thread into lines stamped with
/// their arrival time, and its environment is exactly the one given (never this process's `setenv`).
///
/// By default the child starts with SIGHUP, SIGUSR1 and SIGUSR2 **blocked** (`POSIX_SPAWN_SETSIGMASK`): between
/// `exec` and the first instruction of `main` the dynamic loader runs with default dispositions, so a signal that
/// arrives then would kill any program, whatever its first statement does. A blocked signal stays pending across
/// `exec`; the daemon's first act is to take these signals over and unblock them. Every other signal starts with
/// its default disposition and unblocked.
///
/// Call ``stop(within:)`` or ``kill()`` before the test ends: both reap the child and release the pipes.
public final class DaemonProcess: Sendable {
    /// The child's process ID (valid until it is reaped; ``signal(_:)`` refuses to signal a reaped child).
    public let pid: pid_t
    /// The argument vector it was started with.
    public let arguments: [String]
    /// When `posix_spawn` returned, in seconds on `CLOCK_MONOTONIC`.
    public let startTime: Double

    /// The signals blocked in the child's initial mask by default.
    public static let startupSignals: [Int32] = [SIGHUP, SIGUSR1, SIGUSR2]

    private let input: Mutex<CInt?>
    private let wakeup: (read: CInt, write: CInt)
    private let state = Mutex(State())

    private struct State {
        var stdout: [TimedLine] = []
        var stderr: [TimedLine] = []
        var pending: [[UInt8]] = [[], []]
        var termination: Termination?
        var reader: pthread_t?
        var readerJoined = false
        var readerDone = false
    }

    /// Which output of the child.
    public enum Stream: Sendable {
        case stdout, stderr
    }

    /// Starts `arguments[0]` (an absolute path) with `arguments`, the environment `environment` (`NAME=value`
    /// strings), and the signals in `blockedSignals` blocked (see the type's documentation; pass `[]` to start
    /// with nothing blocked).
    public init(_ arguments: [String], environment: [String], blockedSignals: [Int32] = DaemonProcess.startupSignals)
        throws
    {
        guard let program = arguments.first else { throw SpawnError(description: "spawn: empty argument list") }
        var ends: [[CInt]] = []
        for _ in 0..<4 {
            var pair: [CInt] = [-1, -1]
            guard pipe(&pair) == 0 else {
                let failure = errno
                for pair in ends { for end in pair { close(end) } }
                throw SpawnError(description: "pipe: \(String(cString: strerror(failure))) (errno \(failure))")
            }
            for end in pair { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            ends.append(pair)
        }
        let (stdinPipe, stdoutPipe, stderrPipe, wakeupPipe) = (ends[0], ends[1], ends[2], ends[3])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in SpawnedProcess.inheritableDescriptors() {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child: pid_t = 0
        let rc = withSpawnAttributes(blocking: blockedSignals) { attributes in
            posix_spawn(&child, program, &actions, &attributes, argv, envp)
        }
        startTime = NotifyReceiver.now()
        for end in [stdinPipe[0], stdoutPipe[1], stderrPipe[1]] { close(end) }
        guard rc == 0 else {
            for end in [stdinPipe[1], stdoutPipe[0], stderrPipe[0]] + wakeupPipe { close(end) }
            throw SpawnError(description: "posix_spawn \(program): \(String(cString: strerror(rc))) (errno \(rc))")
        }
        _ = fcntl(stdinPipe[1], F_SETFL, fcntl(stdinPipe[1], F_GETFL) | O_NONBLOCK)
        pid = child
        self.arguments = arguments
        input = Mutex(stdinPipe[1])
        wakeup = (wakeupPipe[0], wakeupPipe[1])
        try startReader(stdout: stdoutPipe[0], stderr: stderrPipe[0])
    }

    deinit {
        if let descriptor = input.withLock({ $0 }) { close(descriptor) }
        close(wakeup.read)
        close(wakeup.write)
    }

    // MARK: - Input

    /// Writes `text` to the child's stdin, waiting up to `timeout` for room in the pipe; false when the child does
    /// not take it all in time, has closed its stdin, or stdin was closed. Never raises SIGPIPE in this process.
    @discardableResult
    public func write(_ text: String, within timeout: Duration = .seconds(10)) -> Bool {
        input.withLock { descriptor in
            guard let descriptor else { return false }
            return Self.write(Array(text.utf8), to: descriptor, within: timeout)
        }
    }

    /// Closes the child's stdin, so that it reads end of input.
    public func closeInput() {
        input.withLock { descriptor in
            if let open = descriptor { close(open) }
            descriptor = nil
        }
    }

    // MARK: - Output

    /// The complete lines the child wrote to `stream` so far, in order.
    public func lines(_ stream: Stream) -> [TimedLine] {
        state.withLock { stream == .stdout ? $0.stdout : $0.stderr }
    }

    /// How many complete lines the child wrote to `stream` so far.
    public func lineCount(_ stream: Stream) -> Int {
        state.withLock { stream == .stdout ? $0.stdout.count : $0.stderr.count }
    }

    /// Everything written to stderr so far (complete lines), for failure messages.
    public var errorText: String { lines(.stderr).map(\.text).joined(separator: "\n") }

    /// Waits up to `timeout` for a line of `stream` that satisfies `predicate`, and returns the first such line
    /// (one already written counts); nil when none came in time.
    public func waitForLine(
        _ stream: Stream, within timeout: Duration, where predicate: (String) -> Bool
    ) -> TimedLine? {
        var found: TimedLine?
        _ = eventually(within: timeout) {
            found = lines(stream).first { predicate($0.text) }
            return found != nil
        }
        return found
    }

    // MARK: - Signals and exit

    /// Sends `signal` to the child; false when it has already been reaped (its pid may belong to another process)
    /// or `kill` failed.
    @discardableResult
    public func signal(_ signal: Int32) -> Bool {
        state.withLock { state in
            guard state.termination == nil else { return false }
            return Glibc.kill(pid, signal) == 0
        }
    }

    /// How the child ended, or nil while it runs (reaps it when it has ended).
    public var termination: Termination? {
        state.withLock { state in
            if let ended = state.termination { return ended }
            var status: CInt = 0
            var reaped = waitpid(pid, &status, WNOHANG)
            while reaped < 0 && errno == EINTR { reaped = waitpid(pid, &status, WNOHANG) }
            guard reaped == pid else { return nil }
            let signaled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
            let ended = Termination(
                status: signaled ? nil : (status >> 8) & 0xFF, signal: signaled ? status & 0x7F : nil,
                time: NotifyReceiver.now())
            state.termination = ended
            return ended
        }
    }

    /// True while the child has not ended.
    public var isRunning: Bool { termination == nil }

    /// Waits up to `timeout` (polling every millisecond) for the child to end; nil when it is still running.
    public func waitForExit(within timeout: Duration) -> Termination? {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let ended = termination { return ended }
            pauseThread(.milliseconds(1))
        }
        return termination
    }

    /// Sends `signal` (SIGTERM by default) and waits up to `timeout` for the child to end; if it has not, kills it
    /// with SIGKILL and returns nil. Either way the child is reaped, its stdin closed and its output collected.
    /// Stdin stays open until the child has ended, so that a daemon reading it must stop on the signal alone.
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM, within timeout: Duration = .seconds(10)) -> Termination? {
        self.signal(signal)
        let ended = waitForExit(within: timeout)
        if ended == nil {
            kill()
        } else {
            closeInput()
            finishReading()
        }
        return ended
    }

    /// Kills the child with SIGKILL (when it still runs), reaps it and collects its remaining output.
    @discardableResult
    public func kill() -> Termination {
        signal(SIGKILL)
        closeInput()
        var ended = termination
        while ended == nil {
            pauseThread(.milliseconds(1))
            ended = termination
        }
        finishReading()
        return ended!
    }

    // MARK: - Internals

    /// Starts the thread that drains stdout and stderr into lines until both reach end of file or ``wakeup`` is
    /// written.
    private func startReader(stdout: CInt, stderr: CInt) throws {
        let context = Unmanaged.passRetained(ReaderContext(process: self, stdout: stdout, stderr: stderr)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { context in
                let reader = Unmanaged<ReaderContext>.fromOpaque(context!).takeRetainedValue()
                reader.process.readOutput(stdout: reader.stdout, stderr: reader.stderr)
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<ReaderContext>.fromOpaque(context).release()
            close(stdout)
            close(stderr)
            throw SpawnError(description: "pthread_create: errno \(rc)")
        }
        state.withLock { $0.reader = thread }
    }

    /// What the reader thread needs.
    private final class ReaderContext {
        let process: DaemonProcess
        let stdout: CInt
        let stderr: CInt

        init(process: DaemonProcess, stdout: CInt, stderr: CInt) {
            self.process = process
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// The reader thread's loop.
    private func readOutput(stdout: CInt, stderr: CInt) {
        var entries = [
            pollfd(fd: stdout, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stderr, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeup.read, events: Int16(POLLIN), revents: 0),
        ]
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while entries[0].fd >= 0 || entries[1].fd >= 0 {
            let ready = poll(&entries, 3, -1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { break }
            for index in 0..<2 where entries[index].fd >= 0 && entries[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(entries[index].fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                let time = NotifyReceiver.now()
                if count <= 0 {
                    close(entries[index].fd)
                    entries[index].fd = -1
                    append([], stream: index, at: time, final: true)
                } else {
                    append(chunk[..<count], stream: index, at: time, final: false)
                }
            }
            if entries[2].revents != 0 {
                let time = NotifyReceiver.now()
                for index in 0..<2 where entries[index].fd >= 0 {
                    // Take what is already in the pipe, then stop.
                    var flags = fcntl(entries[index].fd, F_GETFL)
                    flags |= O_NONBLOCK
                    _ = fcntl(entries[index].fd, F_SETFL, flags)
                    while true {
                        let count = chunk.withUnsafeMutableBytes { read(entries[index].fd, $0.baseAddress, $0.count) }
                        guard count > 0 else { break }
                        append(chunk[..<count], stream: index, at: time, final: false)
                    }
                    close(entries[index].fd)
                    entries[index].fd = -1
                    append([], stream: index, at: time, final: true)
                }
            }
        }
        state.withLock { $0.readerDone = true }
    }

    /// Adds `bytes` to the pending text of stream `index` (0 stdout, 1 stderr) and records every complete line;
    /// `final` records a last line without a newline.
    private func append(_ bytes: ArraySlice<UInt8>, stream index: Int, at time: Double, final: Bool) {
        state.withLock { state in
            state.pending[index] += bytes
            var lines: [TimedLine] = []
            while let newline = state.pending[index].firstIndex(of: 0x0A) {
                lines.append(
                    TimedLine(text: String(decoding: state.pending[index][..<newline], as: UTF8.self), time: time))
                state.pending[index].removeSubrange(...newline)
            }
            if final && !state.pending[index].isEmpty {
                lines.append(TimedLine(text: String(decoding: state.pending[index], as: UTF8.self), time: time))
                state.pending[index] = []
            }
            if index == 0 { state.stdout += lines } else { state.stderr += lines }
        }
    }

    /// Waits up to 2 s for the reader thread to see end of file on both pipes (a grandchild may hold them open),
    /// then stops it and joins it.
    private func finishReading() {
        let thread: pthread_t? = state.withLock { state in
            guard !state.readerJoined, let reader = state.reader else { return nil }
            state.readerJoined = true
            return reader
        }
        guard let thread else { return }
        if !eventually(within: .seconds(2), { state.withLock { $0.readerDone } }) {
            var byte: UInt8 = 1
            _ = Glibc.write(wakeup.write, &byte, 1)
        }
        pthread_join(thread, nil)
    }

    /// Writes all of `bytes` to the non-blocking `descriptor`, polling for room until `timeout`; SIGPIPE is blocked
    /// in this thread meanwhile, and a SIGPIPE the write raised is taken back before the mask is restored.
    private static func write(_ bytes: [UInt8], to descriptor: CInt, within timeout: Duration) -> Bool {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let deadline =
            NotifyReceiver.now() + Double(timeout.components.seconds)
            + Double(timeout.components.attoseconds) * 1e-18
        var remaining = bytes[...]
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                remaining = remaining.dropFirst(written)
                continue
            }
            let failure = errno
            if failure == EINTR { continue }
            if failure == EPIPE {
                var none = timespec()
                _ = sigtimedwait(&pipeSignal, nil, &none)
                return false
            }
            guard failure == EAGAIN else { return false }
            let left = deadline - NotifyReceiver.now()
            guard left > 0 else { return false }
            var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            _ = poll(&entry, 1, Int32(min(left, 1) * 1000) + 1)
        }
        return true
    }
}
