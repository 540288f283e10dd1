import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `vaewatch status` for people: local times with their age, rates as percentages, how a daemon that has ended
/// ended, and the runtime folder found through the configuration file.
@Suite("vaewatch status for people")
struct StatusCommandTests {
    @Test("times read as local date-times with their age, the rate as a percentage, waits as durations")
    func fieldsReadForPeople() throws {
        let directory = try TestDirectory("status-people")
        defer { directory.remove() }
        let now = Int64(time(nil))
        try Self.writeStatus(in: directory.path, pid: getpid(), source: "stdin", updatedAt: now - 7_200, now: now)
        let result = try Self.status(["--runtime-directory", directory.path])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = [
            "state               running",
            "status              scoring stdin: 1,260 records, 317 flagged (25.16%), model v2",
            "pid                 \(getpid())",
            "source              stdin",
            "records             1,260",
            "anomalies           317",
            "rejects             0",
            "anomaly rate        25.2%",
            "model version       2",
            "threshold           3.5",
            "retrains            1",
            "retraining          false",
            "last retrain        \(Self.utc(now - 180)) (3 min ago)",
            "next retrain after  1,500 records",
            "next retrain in     42 min",
            "behind by           12 s",
            "last error          -",
            "updated             \(Self.utc(now - 7_200)) (2 h 0 min ago)",
        ]
        #expect(result.stdout.split(separator: "\n").map(String.init) == expected, "\(result.stdout)")
    }

    @Test("a daemon that stopped reads `stopped (exit 0) at` its local stop time; the JSON gains the fields")
    func stoppedDaemonSaysHowItEnded() throws {
        let fixture = try ServeFixture.stdin("status-stopped")
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        var rows = ServeRows(count: 1_000)
        #expect(daemon.write(ServeRows.header + rows.take(1_000)))
        #expect(
            eventually(within: .seconds(10)) { fixture.status()?.number("records") == 1_000 }, "\(daemon.errorText)")
        let before = Int64(time(nil))
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let after = Int64(time(nil))

        let file = try #require(fixture.status())
        #expect(file["state"] == "stopped", "\(file)")
        #expect(file["exit_status"] == "0", "\(file)")
        let stoppedAt = try #require(file.number("stopped_at").map { Int64($0) }, "\(file)")
        #expect((before...after).contains(stoppedAt), "\(file)")
        #expect(file["records"] == "1000" && file["pid"] == "\(daemon.pid)", "the fields scripts read stay: \(file)")

        let result = try Self.status(["--runtime-directory", fixture.runtimeDirectory])
        #expect(result.status == 0, "\(result.stderr)")
        let state = try #require(Self.value("state", in: result.stdout), "\(result.stdout)")
        #expect(state.hasPrefix("stopped (exit 0) at \(Self.utc(stoppedAt)) ("), "\(result.stdout)")
        #expect(state.hasSuffix(" s ago)"), "\(result.stdout)")
        #expect(!result.stdout.contains("stopping"), "\(result.stdout)")
    }

    @Test("a daemon gone without a final status (killed) reads `not running`, with its last status's time")
    func killedDaemonIsNotRunning() throws {
        let directory = try TestDirectory("status-killed")
        defer { directory.remove() }
        let gone = try SpawnedProcess.start(["true"])
        _ = gone.wait()
        let now = Int64(time(nil))
        try Self.writeStatus(in: directory.path, pid: gone.pid, source: "stdin", updatedAt: now - 300, now: now)
        let result = try Self.status(["--runtime-directory", directory.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            Self.value("state", in: result.stdout)
                == "not running (pid \(gone.pid) is gone without a final status, killed or crashed; last status "
                + "from \(Self.utc(now - 300)) (5 min ago): running)", "\(result.stdout)")
    }

    @Test("--config finds the runtime folder in state.runtime_directory; --runtime-directory wins over it")
    func configurationNamesTheRuntimeFolder() throws {
        let directory = try TestDirectory("status-config")
        defer { directory.remove() }
        let now = Int64(time(nil))
        for folder in ["configured", "named"] {
            try #require(mkdir(directory.file(folder), 0o755) == 0)
            try Self.writeStatus(
                in: directory.file(folder), pid: getpid(), source: "from " + folder, updatedAt: now, now: now)
        }
        let configuration = directory.file("vaewatch.yaml")
        try directory.write(
            Array(
                settingsYAML([("source.kind", "stdin"), ("state.runtime_directory", directory.file("configured"))])
                    .utf8), to: "vaewatch.yaml")
        let configured = try Self.status(["--config", configuration])
        #expect(configured.status == 0, "\(configured.stderr)")
        #expect(Self.value("source", in: configured.stdout) == "from configured", "\(configured.stdout)")
        let named = try Self.status(["--config", configuration, "--runtime-directory", directory.file("named")])
        #expect(Self.value("source", in: named.stdout) == "from named", "\(named.stdout)")

        try directory.write(Array("state:\n  runtime_directory: run\n".utf8), to: "bad.yaml")
        let bad = try Self.status(["--config", directory.file("bad.yaml")])
        #expect(bad.status == 78, "\(bad.stderr)")
        #expect(bad.stderr.contains("state.runtime_directory"), "\(bad.stderr)")
        #expect(bad.stderr.contains("or pass --runtime-directory"), "\(bad.stderr)")
    }

    /// Runs `vaewatch status` with `arguments` in UTC, without the runner's runtime folder or settings variables.
    static func status(_ arguments: [String]) throws -> SpawnResult {
        try SpawnedProcess.run(
            [Child.executable, "status"] + arguments,
            environment: SpawnedProcess.environment(
                removingPrefixes: ["TZ", "RUNTIME_DIRECTORY", "STATE_DIRECTORY", "VAEWATCH_"], adding: ["TZ=UTC"]))
    }

    /// The value of the line labelled `label` in `vaewatch status` output, without the label and its padding.
    static func value(_ label: String, in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix(label + "  ") {
            return String(line.dropFirst(label.count).drop { $0 == " " })
        }
        return nil
    }

    /// `seconds` since 1970 as a UTC date-time, `2026-12-05 07:14:03`, computed with `gmtime_r`.
    static func utc(_ seconds: Int64) -> String {
        var moment = time_t(seconds)
        var parts = tm()
        gmtime_r(&moment, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    /// Writes a running daemon's `status.json` in `folder` as the daemon does (one flat object), naming `pid` and
    /// `source`, updated at `updatedAt`, its last retrain three minutes before `now`.
    static func writeStatus(in folder: String, pid: pid_t, source: String, updatedAt: Int64, now: Int64) throws {
        let json =
            "{\"state\": \"running\", \"status\": \"scoring \(source): 1,260 records, 317 flagged (25.16%), model v2\", "
            + "\"pid\": \(pid), \"source\": \"\(source)\", \"records\": 1260, \"anomalies\": 317, \"rejects\": 0, "
            + "\"anomaly_rate\": 0.2515873015873016, \"model_version\": 2, \"threshold\": 3.5, \"retrains\": 1, "
            + "\"retraining\": false, \"last_retrain_at\": \(now - 180), \"next_retrain_records\": 1500, "
            + "\"next_retrain_seconds\": 2520, \"lag_seconds\": 12, \"last_error\": null, "
            + "\"updated_at\": \(updatedAt)}\n"
        let descriptor = open(folder + "/status.json", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(descriptor >= 0, "open \(folder)/status.json: errno \(errno)")
        defer { close(descriptor) }
        let bytes = Array(json.utf8)
        try #require(bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == bytes.count)
    }
}
