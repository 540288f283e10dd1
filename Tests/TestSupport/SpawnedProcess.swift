import Glibc

/// How a finished child process ended, and what it wrote.
public struct SpawnResult: Sendable {
    /// The exit status, or nil when a signal ended the process.
    public let status: Int32?
    /// The signal that ended the process, or nil when it exited.
    public let signal: Int32?
    /// Everything the process wrote to stdout.
    public let stdout: String
    /// Everything the process wrote to stderr.
    public let stderr: String

    /// True when the process exited with status 0.
    public var succeeded: Bool { status == 0 }

    /// "exit status N" or "signal N", for messages.
    public var ending: String { status.map { "exit status \($0)" } ?? "signal \(signal ?? 0)" }
}

/// Why a child process could not be started.
public struct SpawnError: Error, CustomStringConvertible {
    /// What failed, with the error number.
    public let description: String
}

/// A child process started with `posix_spawnp`: stdin from a string (or /dev/null), stdout and stderr captured in
/// unlinked temporary files, so a chatty child never blocks on a full pipe. Descriptors of this process that are not
/// close-on-exec are closed in the child, so a server it starts cannot hold the test runner's pipes open. Call
/// ``wait()`` exactly once: it reaps the child and releases the capture files.
public struct SpawnedProcess: Sendable {
    /// The child's process ID.
    public let pid: pid_t
    /// The argument vector it was started with; the first element is looked up on PATH.
    public let arguments: [String]
    private let outputDescriptor: CInt
    private let errorDescriptor: CInt

    /// Starts `arguments` without waiting for it. `input`, when given, is the child's whole stdin; `environment`
    /// (`NAME=value` strings) replaces this process's environment when given.
    public static func start(_ arguments: [String], input: String? = nil, environment: [String]? = nil) throws
        -> SpawnedProcess
    {
        guard let program = arguments.first else { throw SpawnError(description: "spawn: empty argument list") }
        let inputDescriptor = try input.map { try captureFile(holding: $0) }
        defer { if let inputDescriptor { close(inputDescriptor) } }
        let output = try captureFile()
        let error: CInt
        do { error = try captureFile() } catch {
            close(output)
            throw error
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in inheritableDescriptors() { posix_spawn_file_actions_addclose(&actions, descriptor) }
        if let inputDescriptor {
            posix_spawn_file_actions_adddup2(&actions, inputDescriptor, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, error, 2)

        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let rc: CInt
        rc = withSpawnAttributes(blocking: []) { attributes in
            if let environment {
                let envp = environment.map { strdup($0) } + [nil]
                defer { for pointer in envp { free(pointer) } }
                return posix_spawnp(&child, program, &actions, &attributes, argv, envp)
            }
            return posix_spawnp(&child, program, &actions, &attributes, argv, environ)
        }
        guard rc == 0 else {
            close(output)
            close(error)
            throw SpawnError(description: "posix_spawnp \(program): \(String(cString: strerror(rc))) (errno \(rc))")
        }
        return SpawnedProcess(pid: child, arguments: arguments, outputDescriptor: output, errorDescriptor: error)
    }

    /// Runs `arguments` to completion; see ``start(_:input:environment:)``.
    public static func run(_ arguments: [String], input: String? = nil, environment: [String]? = nil) throws
        -> SpawnResult
    {
        try start(arguments, input: input, environment: environment).wait()
    }

    /// This process's environment as `NAME=value` strings, without the variables whose names start with one of
    /// `prefixes`, followed by `adding`.
    public static func environment(removingPrefixes prefixes: [String] = [], adding: [String] = []) -> [String] {
        var variables: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let variable = String(cString: entry)
            let name = variable.prefix { $0 != "=" }
            if !prefixes.contains(where: { name.hasPrefix($0) }) { variables.append(variable) }
            cursor += 1
        }
        return variables + adding
    }

    /// Sends `signal` to the child; false when it is already gone.
    @discardableResult
    public func send(_ signal: Int32) -> Bool { kill(pid, signal) == 0 }

    /// Waits for the child to end (retrying on EINTR) and returns how it ended with everything it wrote.
    public func wait() -> SpawnResult {
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let stdout = Self.contents(of: outputDescriptor)
        let stderr = Self.contents(of: errorDescriptor)
        close(outputDescriptor)
        close(errorDescriptor)
        let signaled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
        return SpawnResult(
            status: signaled ? nil : (status >> 8) & 0xFF, signal: signaled ? status & 0x7F : nil, stdout: stdout,
            stderr: stderr)
    }

    /// A new, already unlinked, close-on-exec file under /tmp, holding `text` and positioned at its start.
    private static func captureFile(holding text: String = "") throws -> CInt {
        var descriptor: CInt = -1
        var path = ""
        repeat {
            path = "/tmp/vwspawn-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
            descriptor = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        } while descriptor < 0 && errno == EEXIST
        guard descriptor >= 0 else { throw SpawnError(description: "open \(path): errno \(errno)") }
        unlink(path)
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let failure = errno
                close(descriptor)
                throw SpawnError(description: "write \(path): errno \(failure)")
            }
            bytes = bytes.dropFirst(written)
        }
        lseek(descriptor, 0, SEEK_SET)
        return descriptor
    }

    /// The whole content of the capture file `descriptor`, read from its start.
    private static func contents(of descriptor: CInt) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(bytes.count)) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// This process's descriptors above 2 that are not close-on-exec, so would leak into a child.
    static func inheritableDescriptors() -> [CInt] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var descriptors: [CInt] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard let descriptor = CInt(name), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { descriptors.append(descriptor) }
        }
        return descriptors
    }

    private init(pid: pid_t, arguments: [String], outputDescriptor: CInt, errorDescriptor: CInt) {
        self.pid = pid
        self.arguments = arguments
        self.outputDescriptor = outputDescriptor
        self.errorDescriptor = errorDescriptor
    }
}
