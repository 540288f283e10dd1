import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The fake `NOTIFY_SOCKET` receiver and the daemon-spawning helper, checked against systemd's own
/// `systemd-notify` and plain shell children, so that the S-row tests rest on a harness that is itself tested.
@Suite("Serve harness: NotifyReceiver and DaemonProcess")
struct NotifyReceiverTests {
    /// `systemd-notify`, or a failure that says how to install it.
    private static func systemdNotify() throws -> String {
        let path = "/usr/bin/systemd-notify"
        try #require(access(path, X_OK) == 0, "\(path) is missing: apt-get install systemd")
        return path
    }

    /// The test runner's environment without notification variables, plus `adding`.
    private static func environment(_ adding: [String]) -> [String] {
        SpawnedProcess.environment(
            removingPrefixes: [
                "NOTIFY_SOCKET", "WATCHDOG_", "VAEWATCH_", "JOURNAL_STREAM", "INVOCATION_ID", "LISTEN_",
            ],
            adding: adding)
    }

    @Test("systemd-notify --ready --status=hello: READY=1 and STATUS=hello arrive in one datagram with credentials")
    func readyAndStatus() throws {
        let receiver = try NotifyReceiver()
        defer { receiver.close() }
        #expect(receiver.socketPath.utf8.count < 108, "sun_path holds 108 bytes: \(receiver.socketPath)")
        let before = NotifyReceiver.now()
        let result = try SpawnedProcess.run(
            [try Self.systemdNotify(), "--no-block", "--ready", "--status=hello"],
            environment: Self.environment([receiver.environmentEntry]))
        #expect(result.succeeded, "systemd-notify: \(result.ending): \(result.stderr)")
        let ready = try #require(receiver.wait(for: "READY=1", within: .seconds(5)), "\(receiver.transcript)")
        #expect(ready.value(of: "STATUS") == "hello")
        #expect(ready.contains("STATUS=hello"))
        #expect(ready.time >= before && ready.time <= NotifyReceiver.now())
        #expect(ready.senderPID != nil, "SO_PASSCRED gives every datagram the sender's credentials")
        #expect(receiver.count(of: "READY=1") == 1)
        #expect(receiver.receiveError == nil)
        print("notify: \(receiver.transcript)")
    }

    @Test("a barrier send (BARRIER=1 with a descriptor) returns at once: the receiver closes passed descriptors (L5)")
    func barrierDoesNotHang() throws {
        let receiver = try NotifyReceiver()
        defer { receiver.close() }
        // Without --no-block, systemd-notify 252 follows its message with BARRIER=1 carrying the write end of a
        // pipe, and waits (up to its 5 s timeout, then fails) until every copy of that end is closed.
        let started = NotifyReceiver.now()
        let result = try SpawnedProcess.run(
            [try Self.systemdNotify(), "--ready", "--status=barrier"],
            environment: Self.environment([receiver.environmentEntry]))
        let seconds = NotifyReceiver.now() - started
        print("systemd-notify with barrier: \(result.ending) in \(Int(seconds * 1000)) ms")
        #expect(result.succeeded, "systemd-notify: \(result.ending): \(result.stderr)")
        #expect(seconds < 2, "the barrier waited \(seconds) s: a passed descriptor was not closed")
        let barrier = try #require(receiver.wait(for: "BARRIER=1", within: .seconds(2)), "\(receiver.transcript)")
        #expect(barrier.descriptorCount == 1)
        #expect(receiver.wait(for: "READY=1", within: .seconds(1))?.value(of: "STATUS") == "barrier")
    }

    @Test("datagrams keep their order and arrival times; multi-line texts split into assignments")
    func orderAndTimes() throws {
        let receiver = try NotifyReceiver()
        defer { receiver.close() }
        let notify = try Self.systemdNotify()
        for index in 0..<5 {
            let result = try SpawnedProcess.run(
                [notify, "--no-block", "WATCHDOG=1", "STATUS=ping \(index)"],
                environment: Self.environment([receiver.environmentEntry]))
            #expect(result.succeeded, "\(result.stderr)")
        }
        #expect(eventually(within: .seconds(5)) { receiver.count(of: "WATCHDOG=1") == 5 }, "\(receiver.transcript)")
        let messages = receiver.messages(containing: "WATCHDOG=1")
        #expect(messages.map { $0.value(of: "STATUS") } == (0..<5).map { "ping \($0)" })
        #expect(zip(messages, messages.dropFirst()).allSatisfy { $0.time <= $1.time })
        #expect(messages.allSatisfy { $0.assignments.count == 2 })
        #expect(receiver.count(of: "READY=1") == 0)
        #expect(receiver.first { $0.contains("STATUS=ping 3") }?.value(of: "STATUS") == "ping 3")
    }

    @Test("a daemon helper child: stdin pipe in, timed stdout and stderr lines out, exit status")
    func daemonProcessPipes() throws {
        let child = try DaemonProcess(
            ["/bin/sh", "-c", "while read line; do echo \"out $line\"; echo \"err $line\" >&2; done; exit 3"],
            environment: Self.environment([]))
        #expect(child.write("a\nb\n"))
        let line = child.waitForLine(.stdout, within: .seconds(5)) { $0 == "out b" }
        #expect(line != nil, "stdout: \(child.lines(.stdout)), stderr: \(child.errorText)")
        #expect(child.waitForLine(.stderr, within: .seconds(5)) { $0 == "err b" } != nil)
        #expect(child.isRunning)
        child.closeInput()
        let ended = child.waitForExit(within: .seconds(5))
        #expect(ended?.status == 3)
        #expect(child.lines(.stdout).map(\.text) == ["out a", "out b"])
        #expect(!child.write("late\n"), "writing to a closed stdin fails instead of raising SIGPIPE")
        #expect(child.signal(SIGTERM) == false, "a reaped child is not signalled")
        child.kill()
    }

    @Test("a child whose stdin reader is gone: write returns false, the test process gets no SIGPIPE")
    func writeToDeadChild() throws {
        let child = try DaemonProcess(["/bin/sh", "-c", "exec 0<&-; exec sleep 5"], environment: Self.environment([]))
        defer { child.kill() }
        pauseThread(.milliseconds(200))
        #expect(!child.write("x\n"))
        #expect(child.isRunning)
    }

    @Test("the start-up mask: HUP, USR1 and USR2 blocked by default and stay pending; nothing blocked on request")
    func startupMaskBlocksSignals() throws {
        // SigBlk in /proc/self/status shows the blocked set (bit n - 1 for signal n) of grep itself, which keeps
        // the mask it was started with; a shell would not (dash blocks everything while it waits for a child).
        let grep = try DaemonProcess(["/bin/grep", "SigBlk", "/proc/self/status"], environment: Self.environment([]))
        #expect(grep.waitForExit(within: .seconds(5))?.status == 0)
        grep.kill()
        let mask = grep.lines(.stdout).first.flatMap { UInt64($0.text.split(separator: "\t").last ?? "", radix: 16) }
        let expected = DaemonProcess.startupSignals.reduce(UInt64(0)) { $0 | 1 << UInt64($1 - 1) }
        #expect(mask == expected, "\(grep.lines(.stdout))")
        let open = try DaemonProcess(
            ["/bin/grep", "SigBlk", "/proc/self/status"], environment: Self.environment([]), blockedSignals: [])
        #expect(open.waitForExit(within: .seconds(5))?.status == 0)
        open.kill()
        #expect(open.lines(.stdout).first?.text.hasSuffix("0000000000000000") == true, "\(open.lines(.stdout))")

        let blocked = try DaemonProcess(["/bin/sleep", "0.3"], environment: Self.environment([]))
        #expect(blocked.signal(SIGUSR1) && blocked.signal(SIGHUP) && blocked.signal(SIGUSR2))
        #expect(blocked.waitForExit(within: .seconds(5))?.status == 0, "blocked signals stay pending, harmlessly")
        blocked.kill()
        let unblocked = try DaemonProcess(["/bin/sleep", "5"], environment: Self.environment([]), blockedSignals: [])
        #expect(unblocked.signal(SIGUSR1))
        #expect(unblocked.waitForExit(within: .seconds(5))?.signal == SIGUSR1)
        unblocked.kill()
    }
}
