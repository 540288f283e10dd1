import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Row C5 of RELIABILITY.md through the daemon: a checkpoint whose `fsync` fails (strace injects EIO into every
/// `fsync` of the daemon) is not retried and not reported as done; the previous checkpoint stays and still loads,
/// no temporary file is left, and the error is in the log, the status file and the STATUS line. The daemon goes on.
@Suite("vaewatch serve: a checkpoint that cannot be made durable (C5)")
struct ServeCheckpointFaultTests {
    @Test("C5: fsync fails with EIO during the SIGUSR2 checkpoint: logged, in STATUS, previous checkpoint kept")
    func fsyncFailureKeepsThePreviousCheckpoint() throws {
        let strace = try ExternalTool.require("strace", package: "strace")
        let fixture = try ServeFixture.stdin("c5")
        defer { fixture.remove() }
        // A first daemon writes checkpoint version 1 on SIGUSR2, then stops.
        let first = try fixture.start()
        defer { first.kill() }
        try fixture.awaitReady(first)
        #expect(first.signal(SIGUSR2))
        let checkpoint = fixture.stateDirectory + "/checkpoints/model-v000001.vwm"
        #expect(eventually(within: .seconds(10)) { access(checkpoint, R_OK) == 0 }, "\(first.errorText)")
        #expect(first.stop()?.status == 0, "\(first.errorText)")
        let before = try readFile(checkpoint)

        // The second daemon runs under strace; every fsync it makes fails with EIO.
        let started = NotifyReceiver.now()
        let traced = try DaemonProcess(
            [
                strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync", "-e", "inject=fsync:error=EIO",
                Child.executable, "serve", "--config", fixture.configurationPath,
            ],
            environment: fixture.environment([]))
        defer { traced.kill() }
        let ready = fixture.receiver.wait(for: "READY=1", after: started, within: .seconds(20))
        try #require(ready != nil, "\(fixture.receiver.transcript)\n\(traced.errorText)")
        let pid = try #require(
            (try? readFile(fixture.runtimeDirectory + "/vaewatch.pid")).flatMap {
                pid_t(String(decoding: $0, as: UTF8.self).split(separator: "\n").first ?? "")
            }, "the daemon's pid file")
        #expect(pid != traced.pid, "the pid file names the daemon under strace, not strace")
        let signalled = NotifyReceiver.now()
        #expect(kill(pid, SIGUSR2) == 0)
        let failed = fixture.waitForStatus(within: .seconds(10)) { ($0["last_error"] ?? "").contains("checkpoint") }
        let error = try #require(
            failed?["last_error"], "\(fixture.status()?.description ?? "no status")\n\(traced.errorText)")
        print("C5 (daemon): last_error = \(error)")
        #expect(error.contains("fsync") && error.contains("Input/output error"))
        #expect(error.contains("previous checkpoints stay"))
        let statusLine = fixture.receiver.wait(
            for: { $0.time > signalled && ($0.value(of: "STATUS") ?? "").contains("error: checkpoint") },
            within: .seconds(5))
        #expect(statusLine != nil, "STATUS repeats the error: \(fixture.receiver.transcript)")
        // One error line (the status dump after it repeats the error, as the STATUS line does): no retry.
        let errorLines = traced.lines(.stderr).filter {
            $0.text.dropFirst("2026-11-22T02:33:01Z ".count).hasPrefix("error: checkpoint of model version 1 failed")
        }
        #expect(errorLines.count == 1, "exactly one failure logged, no retry:\n\(traced.errorText)")
        #expect(kill(pid, SIGTERM) == 0)
        let ending = traced.waitForExit(within: .seconds(10))
        #expect(ending?.status == 0, "\(traced.errorText)")

        // The previous checkpoint is untouched and loads; the failed write left nothing behind.
        #expect(try readFile(checkpoint) == before)
        let inspect = try vaewatch(["inspect", checkpoint], in: fixture.directory)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let leftovers = (directoryEntries(fixture.stateDirectory + "/checkpoints") ?? []).filter {
            $0.contains(".tmp.")
        }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
