import Glibc

/// Why a private PostgreSQL cluster could not be set up or used.
public enum PostgresClusterError: Error, CustomStringConvertible {
    /// initdb, pg_ctl, postgres or psql is missing from every directory searched.
    case binariesNotFound(searched: [String])
    /// A system call on the cluster's files failed.
    case system(operation: String, errno: Int32)
    /// initdb, pg_ctl or setpriv failed; with its stderr and the last lines of the server log.
    case toolFailed(command: String, ending: String, stderr: String, logTail: String)
    /// psql reported an error running `sql` against `database`.
    case queryFailed(sql: String, database: String, stderr: String)
    /// `stop(mode:)` was given something other than smart, fast or immediate.
    case invalidStopMode(String)

    /// The message, with the tool's own words.
    public var description: String {
        switch self {
        case .binariesNotFound(let searched):
            return "PostgreSQL server binaries not found; run scripts/setup (installs postgresql) or apt-get install "
                + "postgresql (looked for initdb, pg_ctl, postgres and psql in: "
                + (searched.isEmpty ? "no candidate directory" : searched.joined(separator: ", ")) + ")"
        case .system(let operation, let code):
            return "\(operation): \(String(cString: strerror(code))) (errno \(code))"
        case .toolFailed(let command, let ending, let stderr, let logTail):
            var message = "\(command) failed (\(ending))"
            message += stderr.isEmpty ? "" : ":\n" + stderr.trimmingFinalNewlines()
            if !logTail.isEmpty { message += "\n--- server log, last lines ---\n" + logTail.trimmingFinalNewlines() }
            return message
        case .queryFailed(let sql, let database, let stderr):
            return "psql on \(database) failed: \(stderr.trimmingFinalNewlines())\n--- sql ---\n\(sql)"
        case .invalidStopMode(let mode):
            return "pg_ctl stop mode must be smart, fast or immediate, not \"\(mode)\""
        }
    }
}

/// A private PostgreSQL server for tests: its own data directory and unix socket (no TCP unless asked, see
/// ``TCPListening``) under `/tmp/vwpg-<purpose>-XXXXXX`, trust authentication for the superuser `postgres`, and
/// settings that trade durability for speed. When the tests run as root, the server runs as `nobody` (uid and gid 65534) through
/// `setpriv`, since PostgreSQL refuses to run as root; psql and libpq clients still connect as root.
///
/// Note `synchronous_commit=off`: a transaction committed in the last few hundred milliseconds before
/// `stop(mode: "immediate")` can be lost. Run `CHECKPOINT` (or set `synchronous_commit = on`) before stopping when
/// a test checks what survives a crash.
public final class PostgresCluster: Sendable {
    /// The cluster's folder (made by mkdtemp, mode 0755): holds `data`, `socket` and `server.log`.
    public let directory: String
    /// The folder holding the server's unix socket, `.s.PGSQL.<port>`; libpq's `host`.
    public let socketDirectory: String
    /// The server's port: it names the socket file, and it is the TCP port when the cluster listens on TCP.
    public let port: Int
    /// The TCP addresses the server listens on, and the networks it trusts there; nil when it listens on none.
    public let tcp: TCPListening?
    /// The data directory (PGDATA), owned by the server's user.
    public let dataDirectory: String
    /// The server log, written by `pg_ctl -l`.
    public let logFile: String

    /// The directory of initdb, pg_ctl, postgres, psql and the other PostgreSQL tools this cluster runs.
    public let binDirectory: String
    /// True when the server's tools run as `nobody` (this process is root).
    private let dropsPrivileges: Bool

    /// The uid and gid the server runs as when the tests run as root.
    private static let unprivilegedID: UInt32 = 65_534

    /// The fixed settings appended to postgresql.conf, after the cluster's own socket folder and port.
    private static let settings = [
        "listen_addresses = ''", "fsync = off", "synchronous_commit = off", "full_page_writes = off",
        "max_connections = 100", "shared_buffers = 64MB", "max_wal_size = 1GB", "log_min_messages = warning",
    ]

    /// Starts a new private cluster: initdb, then start, waiting until it accepts connections (up to 30 s). Call
    /// ``destroy()`` when done (`defer { cluster.destroy() }`). `purpose` names the folder, for whoever finds it.
    /// With `tcp`, the server also listens on TCP (see ``TCPListening``).
    public static func start(purpose: String, tcp: TCPListening? = nil) throws -> PostgresCluster {
        let binDirectory = try binDirectoryLookup.get()
        let name = String(purpose.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(24))
        var template = Array("/tmp/vwpg-\(name)-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw PostgresClusterError.system(operation: "mkdtemp /tmp/vwpg-\(name)-XXXXXX", errno: errno)
        }
        let cluster = PostgresCluster(directory: String(cString: created), binDirectory: binDirectory, tcp: tcp)
        do {
            try cluster.initialize()
            try cluster.start()
        } catch {
            cluster.destroy()
            throw error
        }
        return cluster
    }

    /// One cluster shared by every test in the process that does not stop or restart the server: started on first
    /// use, stopped (immediate) and removed at process exit. Give each test its own database (``createDatabase()``).
    /// A failed start is remembered: every later call throws the same error.
    public static func shared() throws -> PostgresCluster { try sharedCluster.get() }

    /// libpq connection string for `database`: `host=<socketDirectory> port=<port> user=postgres dbname=<database>`.
    public func conninfo(database: String = "postgres") -> String {
        "host=\(Self.quoted(socketDirectory)) port=\(port) user=postgres dbname=\(Self.quoted(database))"
    }

    /// libpq connection string for `database` over TCP to `address` (one of ``tcp``'s addresses): `host=<address>
    /// port=<port> user=postgres dbname=<database>`.
    public func conninfo(database: String = "postgres", address: String) -> String {
        "host=\(address) port=\(port) user=postgres dbname=\(Self.quoted(database))"
    }

    /// Creates a fresh, empty database with a unique name (`t_<16 hex digits>`) and returns the name.
    public func createDatabase() throws -> String {
        let name = "t_" + String(UInt64.random(in: 0...UInt64.max) | 1 << 63, radix: 16)
        _ = try psql("CREATE DATABASE \"\(name)\"")
        return name
    }

    /// Runs `sql` with `psql -X -A -t -q -v ON_ERROR_STOP=1` against `database` and returns its stdout without the
    /// final newline: one line per row, columns separated by `|`. Throws with psql's stderr when it fails.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let result = try run(
            [
                binDirectory + "/psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p",
                String(port), "-U", "postgres", "-d", database, "-c", sql,
            ])
        guard result.succeeded else {
            throw PostgresClusterError.queryFailed(
                sql: sql, database: database, stderr: result.stderr.isEmpty ? result.ending : result.stderr)
        }
        return result.stdout.hasSuffix("\n") ? String(result.stdout.dropLast()) : result.stdout
    }

    /// Stops the server with `pg_ctl stop -m <mode> -w` (smart, fast or immediate); ``start()`` brings the same
    /// cluster back on the same socket (after crash recovery, following immediate).
    public func stop(mode: String = "fast") throws {
        guard ["smart", "fast", "immediate"].contains(mode) else { throw PostgresClusterError.invalidStopMode(mode) }
        try pgCtl(["stop", "-m", mode])
    }

    /// Starts the (stopped) server with `pg_ctl start -w`, waiting up to 30 s until it accepts connections.
    public func start() throws {
        try pgCtl(["start", "-l", logFile])
    }

    /// Sends `signal` (such as SIGSTOP, SIGCONT or SIGTERM) to the server backends whose `application_name` is
    /// `applicationName`, and returns their process IDs (empty when none is connected yet).
    @discardableResult
    public func signalBackends(applicationName: String, _ signal: Int32) throws -> [Int32] {
        let literal = "'" + applicationName.replacingAll("'", with: "''") + "'"
        let rows = try psql(
            "SELECT pid FROM pg_stat_activity WHERE application_name = \(literal) AND pid <> pg_backend_pid()")
        var signaled: [Int32] = []
        for pid in rows.split(separator: "\n").compactMap({ Int32($0) }) {
            if kill(pid, signal) == 0 {
                signaled.append(pid)
            } else if errno != ESRCH {
                throw PostgresClusterError.system(operation: "kill \(pid) \(signal)", errno: errno)
            }
        }
        return signaled
    }

    /// The postmaster's process ID, from `postmaster.pid`; throws when the server is not running.
    public func serverProcessID() throws -> Int32 {
        let path = dataDirectory + "/postmaster.pid"
        guard let pid = Self.read(path).split(separator: "\n").first.flatMap({ Int32($0) }) else {
            throw PostgresClusterError.system(operation: "read \(path)", errno: ENOENT)
        }
        return pid
    }

    /// The last `lines` lines of the server log.
    public func logTail(lines: Int = 20) -> String {
        let text = Self.read(logFile)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1).joined(separator: "\n")
    }

    /// Stops the server (immediate; SIGKILL to the postmaster if that fails) and removes the folder. Never throws.
    public func destroy() {
        if let pid = try? serverProcessID() {
            if (try? stop(mode: "immediate")) == nil, Self.read(link: "/proc/\(pid)/cwd") == dataDirectory {
                kill(pid, SIGKILL)
            }
        }
        removeTree(directory)
    }

    // MARK: - Setup

    private init(directory: String, binDirectory: String, tcp: TCPListening?) {
        self.directory = directory
        socketDirectory = directory + "/socket"
        dataDirectory = directory + "/data"
        logFile = directory + "/server.log"
        port = tcp?.port ?? 5432
        self.tcp = tcp
        self.binDirectory = binDirectory
        dropsPrivileges = geteuid() == 0
    }

    /// Makes the folders and log file (handed to the server's user), runs initdb and appends the test settings.
    private func initialize() throws {
        try Self.check(chmod(directory, 0o755), "chmod \(directory)")
        try Self.check(mkdir(dataDirectory, 0o700), "mkdir \(dataDirectory)")
        try Self.check(mkdir(socketDirectory, 0o755), "mkdir \(socketDirectory)")
        let log = open(logFile, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        try Self.check(log, "create \(logFile)")
        close(log)
        if dropsPrivileges {
            for path in [dataDirectory, socketDirectory, logFile] {
                try Self.check(chown(path, Self.unprivilegedID, Self.unprivilegedID), "chown \(path)")
            }
        }
        try runTool(
            [
                binDirectory + "/initdb", "-D", dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--locale=C", "--no-sync", "--no-instructions",
            ])
        let lines = ["", "# vaewatch test cluster", "unix_socket_directories = '\(socketDirectory)'", "port = \(port)"]
        // A later line wins in postgresql.conf: the TCP addresses replace `listen_addresses = ''`.
        let listening = tcp.map { ["listen_addresses = '\($0.addresses.joined(separator: ","))'"] } ?? []
        try append((lines + Self.settings + listening).joined(separator: "\n") + "\n", to: "postgresql.conf")
        if let tcp {
            let rules = tcp.trustedNetworks.map { "host all all \($0) trust" }
            try append((["", "# vaewatch test cluster"] + rules).joined(separator: "\n") + "\n", to: "pg_hba.conf")
        }
    }

    /// Appends `text` to the file `name` of the data directory.
    private func append(_ text: String, to name: String) throws {
        let path = dataDirectory + "/" + name
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        try Self.check(descriptor, "open \(path)")
        defer { close(descriptor) }
        let written = Array(text.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        try Self.check(written == text.utf8.count ? 0 : -1, "write \(path)")
    }

    /// Runs `pg_ctl <arguments> -D <data> -w -t 30 -s` as the server's user.
    private func pgCtl(_ arguments: [String]) throws {
        try runTool([binDirectory + "/pg_ctl"] + arguments + ["-D", dataDirectory, "-w", "-t", "30", "-s"])
    }

    /// Runs a server tool as the server's user (from the cluster's folder, which that user can enter); throws with
    /// its stderr and the log tail when it fails.
    private func runTool(_ arguments: [String]) throws {
        var command = arguments
        if dropsPrivileges {
            let id = Self.unprivilegedID
            command =
                ["setpriv", "--reuid=\(id)", "--regid=\(id)", "--clear-groups", "--", "env", "-C", directory]
                + arguments
        }
        let result = try run(command)
        guard result.succeeded else {
            throw PostgresClusterError.toolFailed(
                command: Self.describe(arguments) + " (\(directory))",
                ending: result.ending, stderr: result.stderr + result.stdout, logTail: logTail())
        }
    }

    /// Runs a child with PG* variables cleared (so only the arguments pick the server), a UTF-8 client encoding
    /// and a 10 s connection timeout.
    private func run(_ arguments: [String]) throws -> SpawnResult {
        do {
            return try SpawnedProcess.run(
                arguments,
                environment: SpawnedProcess.environment(
                    removingPrefixes: ["PG"], adding: ["PGCLIENTENCODING=UTF8", "PGCONNECT_TIMEOUT=10"]))
        } catch {
            throw PostgresClusterError.toolFailed(
                command: arguments.first ?? "", ending: "not started", stderr: "\(error)", logTail: "")
        }
    }

    // MARK: - Shared state

    /// The directory of the server binaries, looked up once: `pg_config --bindir`, else the newest
    /// `/usr/lib/postgresql/*/bin`, whichever holds initdb, pg_ctl, postgres and psql.
    private static let binDirectoryLookup: Result<String, any Error> = Result {
        var candidates: [String] = []
        if let result = try? SpawnedProcess.run(["pg_config", "--bindir"]), result.succeeded {
            candidates.append(result.stdout.trimmingFinalNewlines())
        }
        let versions = (directoryEntries("/usr/lib/postgresql") ?? []).sorted {
            ($0.split(separator: ".").compactMap { Int($0) }).lexicographicallyPrecedes(
                $1.split(separator: ".").compactMap { Int($0) })
        }
        candidates += versions.reversed().map { "/usr/lib/postgresql/\($0)/bin" }
        for candidate in candidates
        where ["initdb", "pg_ctl", "postgres", "psql"].allSatisfy({ access(candidate + "/" + $0, X_OK) == 0 }) {
            return candidate
        }
        throw PostgresClusterError.binariesNotFound(searched: candidates)
    }

    /// The cluster behind ``shared()``; its initializer registers the exit handler that destroys it.
    private static let sharedCluster: Result<PostgresCluster, any Error> = Result {
        let cluster = try start(purpose: "shared")
        atexit {
            if case .success(let cluster) = PostgresCluster.sharedCluster { cluster.destroy() }
        }
        return cluster
    }

    // MARK: - Helpers

    /// The tool's name and, when it has one, its subcommand (`pg_ctl start`), for messages.
    private static func describe(_ arguments: [String]) -> String {
        let name = arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
        return arguments.count > 1 && !arguments[1].hasPrefix("-") ? name + " " + arguments[1] : name
    }

    /// Throws `.system` with errno when `result` is negative.
    private static func check(_ result: CInt, _ operation: String) throws {
        if result < 0 { throw PostgresClusterError.system(operation: operation, errno: errno) }
    }

    /// `value` as a libpq conninfo value: bare when safe, else single-quoted with `\` escapes.
    private static func quoted(_ value: String) -> String {
        let safe = !value.isEmpty && value.allSatisfy { !$0.isWhitespace && $0 != "'" && $0 != "\\" && $0 != "=" }
        return safe ? value : "'" + value.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
    }

    /// The content of the file at `path`, or "" when it cannot be read.
    private static func read(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes += chunk[..<count]
        }
    }

    /// The target of the symbolic link at `path`, or nil.
    private static func read(link path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    /// The string without trailing newlines.
    fileprivate func trimmingFinalNewlines() -> String {
        var text = Substring(self)
        while text.last?.isNewline == true { text = text.dropLast() }
        return String(text)
    }

    /// Every occurrence of `target` replaced by `replacement`.
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
