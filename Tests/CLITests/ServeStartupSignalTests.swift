import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Row S8 of RELIABILITY.md: signals that arrive right at start-up must not kill `vaewatch serve`.
@Suite("vaewatch serve: signals at start-up (S8)", .serialized)
struct ServeStartupSignalTests {
    /// How many daemons run at once (each with its own folders and receiver).
    private static let parallel = 5

    /// S8: 50 daemons, each sent SIGUSR1, SIGUSR2 and SIGHUP 1 ms after `posix_spawn` returned; all 50 must
    /// survive, reach READY, handle the signals (RELOADING=1 for HUP, a log line about the retrain for USR1) and
    /// stop with exit 0 on SIGTERM.
    ///
    /// The children are spawned with SIGHUP, SIGUSR1 and SIGUSR2 **blocked** in their initial signal mask
    /// (`POSIX_SPAWN_SETSIGMASK`), as a supervisor that wants this guarantee must do. Between `exec` and the
    /// first instruction of `main`, the dynamic loader and the runtime's initializers run with the default
    /// dispositions, whose action for these signals is to end the process. We measured that even a static C
    /// program whose first statement ignores them dies in 5 of 50 runs when signalled 1 ms after spawn, so no
    /// program can close that window by itself. A blocked signal stays pending across `exec`; the daemon's
    /// first act is to take these signals over (here: keep them blocked and receive them with `sigtimedwait`), so
    /// they are handled, not fatal. A daemon that unblocked them before its handling was in place would die
    /// here; one that never received them would send no RELOADING=1 and fail here too. This is also S1's
    /// "0 READY before the handlers are in place": a READY from a daemon that then dies of a signal counts as a
    /// failure.
    ///
    /// For comparison, 20 more spawns with nothing blocked are signalled the same way, and how many die is
    /// printed (not asserted: that window belongs to the loader, not to the daemon).
    @Test("S8: USR1, USR2 and HUP 1 ms after spawn, 50 times: 50/50 survive, then exit 0 on TERM")
    func signalsRightAfterSpawn() throws {
        let fixtures = try (0..<Self.parallel).map { _ in try ServeFixture.stdin("s8") }
        defer { for fixture in fixtures { fixture.remove() } }
        var survived = 0
        var failures: [String] = []
        var readyAfter: [Double] = []
        var stopAfter: [Double] = []
        let started = NotifyReceiver.now()
        for _ in 0..<(50 / Self.parallel) {
            var daemons: [DaemonProcess] = []
            for fixture in fixtures {
                let daemon = try fixture.start()
                pauseThread(.milliseconds(1))
                for signal in [SIGUSR1, SIGUSR2, SIGHUP] { daemon.signal(signal) }
                daemons.append(daemon)
            }
            var observed: [(ready: NotifyMessage?, reloaded: NotifyMessage?, retrain: TimedLine?)] = []
            for (fixture, daemon) in zip(fixtures, daemons) {
                let ready = fixture.readyOrExit(daemon, within: .seconds(15))
                let reloaded = ready.flatMap { _ in
                    fixture.receiver.wait(
                        for: { $0.senderPID == daemon.pid && $0.contains("RELOADING=1") }, within: .seconds(10))
                }
                let retrain = ready.flatMap { _ in
                    daemon.waitForLine(.stderr, within: .seconds(5)) { $0.contains("retrain") }
                }
                observed.append((ready, reloaded, retrain))
            }
            let sent = NotifyReceiver.now()
            for daemon in daemons { daemon.signal(SIGTERM) }
            for (daemon, seen) in zip(daemons, observed) {
                let ended = daemon.waitForExit(within: .seconds(10))
                daemon.kill()
                if let ready = seen.ready { readyAfter.append(ready.time - daemon.startTime) }
                if let ended { stopAfter.append(ended.time - sent) }
                if seen.ready != nil, seen.reloaded != nil, seen.retrain != nil, ended?.status == 0 {
                    survived += 1
                } else {
                    failures.append(
                        "pid \(daemon.pid): READY \(seen.ready != nil), RELOADING \(seen.reloaded != nil), retrain "
                            + "logged \(seen.retrain != nil), end \(ended?.description ?? "none")\n\(daemon.errorText)")
                }
            }
        }
        let checkpoints = fixtures.map { directoryEntries($0.stateDirectory + "/checkpoints")?.count ?? 0 }
        print(
            "S8: \(survived)/50 survived USR1+USR2+HUP 1 ms after spawn (signals blocked at spawn) in "
                + "\(Int(NotifyReceiver.now() - started)) s; READY after spawn max "
                + "\(milliseconds(readyAfter.max() ?? 0)) ms; TERM to exit max \(milliseconds(stopAfter.max() ?? 0)) "
                + "ms; checkpoint files per folder (USR2): \(checkpoints)")
        #expect(survived == 50, "\(failures.joined(separator: "\n---\n"))")
        #expect(checkpoints.allSatisfy { $0 > 0 }, "USR2 wrote a checkpoint in each state folder")

        // Informational: the same with nothing blocked at spawn.
        var died = 0
        var deaths: [Int32] = []
        for _ in 0..<20 {
            let fixture = fixtures[0]
            let daemon = try fixture.start(blockedSignals: [])
            pauseThread(.milliseconds(1))
            for signal in [SIGUSR1, SIGUSR2, SIGHUP] { daemon.signal(signal) }
            _ = fixture.readyOrExit(daemon, within: .seconds(15))
            if let ended = daemon.termination, let signal = ended.signal {
                died += 1
                deaths.append(signal)
            }
            daemon.stop(SIGTERM, within: .seconds(10))
        }
        print("S8 (informational): \(died)/20 spawns with nothing blocked died of a signal: \(deaths)")
    }
}
