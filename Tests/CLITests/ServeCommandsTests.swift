import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `vaewatch retrain` and `vaewatch status`, the commands operators use beside a running daemon: both find it
/// through its runtime folder.
@Suite("vaewatch retrain and status")
struct ServeCommandsTests {
    @Test("retrain signals the daemon through its pid file; status shows the retrain for people and as JSON")
    func retrainAndStatusReachTheDaemon() throws {
        let fixture = try ServeFixture.stdin("commands")
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        var rows = ServeRows(count: 3_000, skip: 1_000)
        #expect(daemon.write(ServeRows.header + rows.take(1_000)))
        #expect(
            eventually(within: .seconds(10)) { fixture.status()?.number("records") == 1_000 }, "\(daemon.errorText)")

        let retrain = try vaewatch(
            ["retrain", "--runtime-directory", fixture.runtimeDirectory], in: fixture.directory)
        #expect(retrain.status == 0, "\(retrain.stderr)")
        #expect(retrain.stdout.contains("retrain requested from vaewatch (pid \(daemon.pid))"))
        let retrained = fixture.waitForStatus(within: .seconds(30)) { $0.number("retrains") == 1 }
        #expect(retrained?["model_version"] == "2", "\(fixture.status()?.description ?? "none")\n\(daemon.errorText)")

        let people = try vaewatch(["status", "--runtime-directory", fixture.runtimeDirectory], in: fixture.directory)
        #expect(people.status == 0, "\(people.stderr)")
        #expect(people.lines.contains { $0.hasPrefix("state ") && $0.hasSuffix(" running") }, "\(people.stdout)")
        #expect(people.lines.contains { $0.hasPrefix("model version ") && $0.hasSuffix(" 2") }, "\(people.stdout)")
        #expect(people.lines.contains { $0.hasPrefix("records ") && $0.hasSuffix(" 1,000") }, "\(people.stdout)")
        let json = try vaewatch(
            ["status", "--json", "--runtime-directory", fixture.runtimeDirectory], in: fixture.directory)
        #expect(json.status == 0)
        #expect(json.stdout.hasPrefix("{\"state\": \"running\""), "\(json.stdout)")
        #expect(json.stdout.contains("\"retrains\": 1,"))

        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let stopped = try vaewatch(["status", "--runtime-directory", fixture.runtimeDirectory], in: fixture.directory)
        #expect(
            stopped.lines.contains { $0.hasPrefix("state ") && $0.contains(" stopped (exit 0) at ") },
            "\(stopped.stdout)")
    }

    @Test("without a daemon, retrain exits 69 and prints the systemctl command; status says where it looked")
    func noDaemonSaysWhatToDo() throws {
        let directory = try TestDirectory("no-daemon")
        defer { directory.remove() }
        let retrain = try vaewatch(["retrain", "--runtime-directory", directory.path], in: directory)
        #expect(retrain.status == 69)
        #expect(retrain.stderr.contains("systemctl kill -s USR1 vaewatch"), "\(retrain.stderr)")
        let status = try vaewatch(["status", "--runtime-directory", directory.path], in: directory)
        #expect(status.status == 69)
        #expect(status.stderr.contains(directory.path + "/status.json"), "\(status.stderr)")
        #expect(status.stderr.contains("systemctl status vaewatch"))
    }

    @Test("a pid file naming a process that is not vaewatch is not signalled")
    func recycledPidIsNotSignalled() throws {
        let directory = try TestDirectory("recycled-pid")
        defer { directory.remove() }
        let sleeper = try SpawnedProcess.start(["sleep", "30"])
        defer {
            _ = sleeper.send(SIGKILL)
            _ = sleeper.wait()
        }
        let descriptor = open(directory.path + "/vaewatch.pid", O_CREAT | O_WRONLY, 0o644)
        let text = Array("\(sleeper.pid)\n".utf8)
        #expect(text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == text.count)
        close(descriptor)
        let retrain = try vaewatch(["retrain", "--runtime-directory", directory.path], in: directory)
        #expect(retrain.status == 69)
        #expect(kill(sleeper.pid, 0) == 0, "the sleeper was not signalled")
    }
}
