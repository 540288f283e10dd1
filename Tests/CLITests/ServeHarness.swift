import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One `vaewatch serve` set-up for a test: a folder holding the configuration file (`vaewatch.yaml`), the state
/// folder (`state`, passed as `$STATE_DIRECTORY`) and the runtime folder (`run`, as `$RUNTIME_DIRECTORY`), and a
/// fake `NOTIFY_SOCKET` receiver. Daemons are spawned as children with an environment built from scratch (no
/// `setenv` in the test process). Call ``remove()`` when done.
final class ServeFixture {
    /// The test's folder.
    let directory: TestDirectory
    /// The fake notification socket every daemon of this fixture reports to.
    let receiver: NotifyReceiver
    /// The configuration file's path.
    let configurationPath: String
    /// `$STATE_DIRECTORY` of the daemons.
    let stateDirectory: String
    /// `$RUNTIME_DIRECTORY` of the daemons.
    let runtimeDirectory: String

    /// Variables of the test runner never passed on: the daemon must only see what the test gives it.
    static let clearedPrefixes = [
        "NOTIFY_SOCKET", "WATCHDOG_", "VAEWATCH_", "JOURNAL_STREAM", "INVOCATION_ID", "LISTEN_", "STATE_DIRECTORY",
        "RUNTIME_DIRECTORY", "PG",
    ]

    /// Creates the folders and the receiver, and writes `settings` (dotted name, YAML value) as the configuration.
    init(_ purpose: String, settings: [(name: String, value: String)]) throws {
        directory = try TestDirectory(purpose)
        configurationPath = directory.file("vaewatch.yaml")
        stateDirectory = directory.file("state")
        runtimeDirectory = directory.file("run")
        for folder in [stateDirectory, runtimeDirectory] {
            try #require(mkdir(folder, 0o755) == 0, "mkdir \(folder): errno \(errno)")
        }
        do {
            receiver = try NotifyReceiver()
        } catch {
            directory.remove()
            throw error
        }
        try writeConfiguration(settings)
    }

    /// A stdin-mode fixture scoring with the shared trained model (``ServeModel``), plus `settings`, which win
    /// over the defaults given here.
    static func stdin(_ purpose: String, settings: [(name: String, value: String)] = []) throws -> ServeFixture {
        let base: [(name: String, value: String)] = [
            ("source.kind", "stdin"), ("source.batch", "500"), ("model.path", try ServeModel.path()),
            ("training.every_seconds", "3600"), ("log.level", "info"),
        ]
        let merged = base.filter { item in !settings.contains { $0.name == item.name } } + settings
        return try ServeFixture(purpose, settings: merged)
    }

    /// Replaces the configuration file with `settings` (dotted name, YAML value), nested by section.
    func writeConfiguration(_ settings: [(name: String, value: String)]) throws {
        try writeConfiguration(text: settingsYAML(settings))
    }

    /// Replaces the configuration file with `text`, atomically (a daemon reloading never reads half a file).
    func writeConfiguration(text: String) throws {
        try directory.write(Array(text.utf8), to: "vaewatch.yaml.new")
        try #require(rename(directory.file("vaewatch.yaml.new"), configurationPath) == 0, "rename: errno \(errno)")
    }

    /// The environment a daemon gets: the runner's, without ``clearedPrefixes``, plus the notification socket,
    /// the state and runtime folders, and `extra` (`NAME=value`).
    func environment(_ extra: [String]) -> [String] {
        SpawnedProcess.environment(
            removingPrefixes: Self.clearedPrefixes,
            adding: [
                receiver.environmentEntry, "STATE_DIRECTORY=\(stateDirectory)", "RUNTIME_DIRECTORY=\(runtimeDirectory)",
            ] + extra)
    }

    /// Spawns `vaewatch serve --config <file>` with `arguments` after it and `environment` added (see
    /// ``environment(_:)``), under the command `wrapper` when one is given (`strace …`: then the process spawned is
    /// the wrapper's); SIGHUP, SIGUSR1 and SIGUSR2 start blocked unless `blockedSignals` says otherwise (see
    /// ``DaemonProcess``).
    func start(
        environment extra: [String] = [], arguments: [String] = [], under wrapper: [String] = [],
        blockedSignals: [Int32] = DaemonProcess.startupSignals
    ) throws -> DaemonProcess {
        try DaemonProcess(
            wrapper + [Child.executable, "serve", "--config", configurationPath] + arguments,
            environment: environment(extra), blockedSignals: blockedSignals)
    }

    /// Waits up to `timeout` for `READY=1` from `daemon`; fails the test with the transcript and stderr if it
    /// does not come (or the daemon ends first).
    @discardableResult
    func awaitReady(_ daemon: DaemonProcess, within timeout: Duration = .seconds(10)) throws -> NotifyMessage {
        let ready = receiver.wait(
            for: { $0.contains("READY=1") && $0.senderPID == daemon.pid }, within: timeout)
        let ending = daemon.termination?.description ?? "running"
        let message =
            "no READY=1 from \(daemon.pid) within \(timeout) (\(ending))\nnotify:\n\(receiver.transcript)\n"
            + "stderr:\n\(daemon.errorText)"
        return try #require(ready, Comment(rawValue: message))
    }

    /// Waits up to `timeout` for `READY=1` from `daemon`, and returns it; nil as soon as the daemon has ended
    /// without one, or at the timeout.
    func readyOrExit(_ daemon: DaemonProcess, within timeout: Duration) -> NotifyMessage? {
        var ready: NotifyMessage?
        _ = eventually(within: timeout) {
            ready = receiver.first { $0.contains("READY=1") && $0.senderPID == daemon.pid }
            return ready != nil || daemon.termination != nil
        }
        return ready
    }

    /// The daemon's status file (`$RUNTIME_DIRECTORY/status.json`), parsed; nil while it does not exist or does
    /// not parse.
    func status() -> StatusSnapshot? {
        guard let bytes = try? readFile(runtimeDirectory + "/status.json") else { return nil }
        return StatusSnapshot(json: String(decoding: bytes, as: UTF8.self))
    }

    /// Waits up to `timeout` for a status file that satisfies `condition`, and returns it.
    func waitForStatus(within timeout: Duration, _ condition: (StatusSnapshot) -> Bool) -> StatusSnapshot? {
        var found: StatusSnapshot?
        _ = eventually(within: timeout) {
            found = status().flatMap { condition($0) ? $0 : nil }
            return found != nil
        }
        return found
    }

    /// Closes the receiver and removes the folder.
    func remove() {
        receiver.close()
        directory.remove()
    }
}

/// The model the serve tests start from, so that they score from the first record: trained once per test
/// process (8 features `x0`…`x7` of ``SyntheticStream``), removed at exit.
enum ServeModel {
    /// The model file's path.
    static func path() throws -> String { try trained.get() }

    private static let trained: Result<String, any Error> = Result {
        let directory = try TestDirectory("serve-model")
        atexit {
            if case .success(let path) = ServeModel.trained, let slash = path.lastIndex(of: "/") {
                removeTree(String(path[..<slash]))
            }
        }
        return try TrainedModel.make(in: directory)
    }
}

/// Records for a stdin-mode daemon: the header `x0,…,x7`, then rows of the stream the shared model learned
/// (``SyntheticStream`` seed 11: the seed also picks the stream's loadings) with 5% planted anomalies, so that a few
/// hundred rows always hold flags.
struct ServeRows {
    /// The CSV header line, with its newline.
    static let header = TrainedModel.header + "\n"
    private var lines: [Substring]
    private var next = 0

    /// `count` rows, starting `skip` rows into the stream.
    init(count: Int, skip: Int = 0) {
        let csv = SyntheticStream(rows: skip + count, seed: 11, anomalyRate: 0.05, labelColumn: false).csv
        lines = Array(csv.split(separator: "\n").dropFirst(1 + skip))
    }

    /// The next `count` rows as CSV text (wrapping around at the end).
    mutating func take(_ count: Int) -> String {
        var text = ""
        for _ in 0..<count {
            text += lines[next % lines.count] + "\n"
            next += 1
        }
        return text
    }
}

/// The scored CSV lines (not the header) of a stdin-mode daemon's stdout, with their arrival times.
func scoredLines(_ daemon: DaemonProcess, after time: Double = 0) -> [TimedLine] {
    daemon.lines(.stdout).filter { $0.time >= time && !$0.text.hasPrefix("x0,") }
}

/// How many of `lines` are flagged (the last CSV field, `anomaly`, is 1).
func flagged(_ lines: [TimedLine]) -> Int { lines.filter { $0.text.hasSuffix(",1") }.count }

/// The gaps between consecutive `times` (seconds), in order.
func gaps(_ times: [Double]) -> [Double] { zip(times, times.dropFirst()).map { $1 - $0 } }

/// `seconds` in milliseconds, rounded, for printed figures.
func milliseconds(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
