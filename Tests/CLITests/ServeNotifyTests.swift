import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Rows S1–S4 and S13 of RELIABILITY.md: what `vaewatch serve` tells systemd through `$NOTIFY_SOCKET` (READY,
/// STATUS, WATCHDOG, STOPPING, EXTEND_TIMEOUT_USEC), checked with a fake receiver and the daemon as a child in
/// stdin mode. The tests mostly wait on the clock (S2 watches for the criterion's full 30 s), so they run in
/// parallel: about 35 s in all.
@Suite("vaewatch serve: systemd notifications (S1–S4, S13)")
struct ServeNotifyTests {
    @Test("S1, S3: exactly one READY=1 within 10 s, with STATUS; no WATCHDOG=1 in 10 s without WATCHDOG_USEC")
    func readyOnceWithoutWatchdog() throws {
        let fixture = try ServeFixture.stdin("s1")
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        let ready = try fixture.awaitReady(daemon)
        print("S1: READY=1 \(milliseconds(ready.time - daemon.startTime)) ms after spawn: \(ready)")
        #expect(ready.time - daemon.startTime <= 10)
        #expect(!(ready.value(of: "STATUS") ?? "").isEmpty, "READY=1 comes with a STATUS= line: \(ready)")
        var rows = ServeRows(count: 200, skip: 2_000)
        #expect(daemon.write(ServeRows.header + rows.take(200)))
        #expect(eventually(within: .seconds(10)) { scoredLines(daemon).count == 200 }, "\(daemon.errorText)")
        // S3 watches 10 s after READY; S1 counts READY over the same window (at least 10 s after spawn).
        let end = ready.time + 10
        pauseThread(.milliseconds(Int64(max(0, end - NotifyReceiver.now()) * 1000) + 1))
        let window = fixture.receiver.messages.filter { $0.time <= end }
        print("S1, S3: \(window.count) datagrams in the first \(milliseconds(end - daemon.startTime)) ms")
        #expect(window.filter { $0.contains("READY=1") }.count == 1, "\(fixture.receiver.transcript)")
        #expect(window.filter { $0.contains("WATCHDOG=1") }.count == 0, "S3: \(fixture.receiver.transcript)")
        #expect(
            window.allSatisfy { $0.senderPID == daemon.pid },
            "every datagram comes from the main pid (systemd's default NotifyAccess=main)")

        let pidFile = try? readFile(fixture.runtimeDirectory + "/vaewatch.pid")
        #expect(pidFile.map { String(decoding: $0, as: UTF8.self) } == "\(daemon.pid)\n")
        let status = fixture.waitForStatus(within: .seconds(5)) { $0.number("records") == 200 }
        #expect(status?["state"] == "running", "\(status?.description ?? "no status.json")")
        #expect(status?.number("pid") == Double(daemon.pid))

        let sent = NotifyReceiver.now()
        let ended = daemon.stop(SIGTERM, within: .seconds(10))
        #expect(ended?.status == 0, "TERM: \(ended?.description ?? "still running after 10 s")\n\(daemon.errorText)")
        print("S1: TERM to exit \(ended.map { milliseconds($0.time - sent) } ?? -1) ms")
        #expect(fixture.receiver.wait(for: "STOPPING=1", after: sent, within: .seconds(1)) != nil)
        #expect(access(fixture.runtimeDirectory + "/vaewatch.pid", F_OK) != 0, "the pid file is removed at stop")
    }

    @Test("S2: WATCHDOG_USEC=2000000: at least 27 WATCHDOG=1 in 30 s, no gap over 1.1 s (idle and busy)")
    func watchdogPings() throws {
        let fixture = try ServeFixture.stdin("s2")
        defer { fixture.remove() }
        let daemon = try fixture.start(environment: ["WATCHDOG_USEC=2000000"])
        defer { daemon.kill() }
        let ready = try fixture.awaitReady(daemon)
        var rows = ServeRows(count: 2_000, skip: 2_000)
        #expect(daemon.write(ServeRows.header))
        // Idle for 10 s, then 1,000 rows at 10 s and at 20 s: pings must go on whether the input is silent or busy.
        for second in 1...30 {
            pauseThread(.milliseconds(Int64(max(0, ready.time + Double(second) - NotifyReceiver.now()) * 1000)))
            if second == 10 || second == 20 { #expect(daemon.write(rows.take(1_000))) }
        }
        let end = ready.time + 30
        let pings = fixture.receiver.messages(containing: "WATCHDOG=1").filter {
            $0.time >= ready.time && $0.time <= end
        }
        let intervals = gaps([ready.time] + pings.map(\.time) + [end])
        let longest = intervals.max() ?? 30
        print(
            "S2: \(pings.count) pings in 30 s after READY; longest gap \(milliseconds(longest)) ms (READY to the first "
                + "ping and the last ping to the end of the window included); mean gap "
                + "\(milliseconds(intervals.reduce(0, +) / Double(max(1, intervals.count)))) ms")
        #expect(pings.count >= 27, "\(fixture.receiver.transcript)")
        #expect(longest <= 1.1, "gaps (ms): \(intervals.map(milliseconds))")
        #expect(scoredLines(daemon).count == 2_000, "scored while pinging")
        #expect(pings.allSatisfy { $0.senderPID == daemon.pid })
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }

    @Test("S4: VAEWATCH_FAULT=hang_ingest, WATCHDOG_USEC=1000000: pings stop once the ingest loop hangs")
    func wedgedIngestStopsPings() throws {
        let fixture = try ServeFixture.stdin("s4")
        defer { fixture.remove() }
        let daemon = try fixture.start(environment: ["WATCHDOG_USEC=1000000", "VAEWATCH_FAULT=hang_ingest"])
        defer { daemon.kill() }
        let ready = try fixture.awaitReady(daemon)
        var rows = ServeRows(count: 100, skip: 2_000)
        daemon.write(ServeRows.header + rows.take(100))
        let hang = try #require(
            daemon.waitForLine(.stderr, within: .seconds(10)) { $0.contains("fault: ingest hangs now") },
            "the debug build announces the hang on stderr:\n\(daemon.errorText)")
        // Pings go out every 0.45 s while heartbeats are fresher than 0.5 s: one already due may leave up to 0.5 s
        // after the hang, so the criterion's 2 s window starts 0.6 s after the hang line arrived.
        let from = hang.time + 0.6
        let to = from + 2
        pauseThread(.milliseconds(Int64(max(0, to - NotifyReceiver.now()) * 1000) + 1))
        let pings = fixture.receiver.messages(containing: "WATCHDOG=1")
        let before = pings.filter { $0.time >= ready.time && $0.time < hang.time }
        let late = pings.filter { $0.time >= from && $0.time <= to }
        let lastPing = pings.last { $0.time < from }.map { milliseconds($0.time - hang.time) }
        print(
            "S4: hang \(milliseconds(hang.time - ready.time)) ms after READY; \(before.count) pings before it, the "
                + "last at hang \(lastPing.map { ($0 >= 0 ? "+" : "") + "\($0)" } ?? "-") ms; \(late.count) in "
                + "[hang + 0.6 s, hang + 2.6 s]; \(pings.count) in all")
        #expect(before.count >= 1, "pings flowed before the hang (else the check proves nothing)")
        #expect(late.isEmpty, "\(fixture.receiver.transcript)")
        #expect(daemon.isRunning, "the daemon is wedged, not dead: systemd's watchdog must be what ends it")
    }

    @Test("S13: systemd.start_timeout=1 and slow_start=3: EXTEND_TIMEOUT_USEC=1000000 every 0.5 s, then READY")
    func slowStartExtendsTimeout() throws {
        let fixture = try ServeFixture.stdin("s13", settings: [("systemd.start_timeout", "1")])
        defer { fixture.remove() }
        let daemon = try fixture.start(environment: ["VAEWATCH_FAULT=slow_start=3"])
        defer { daemon.kill() }
        let ready = try fixture.awaitReady(daemon, within: .seconds(15))
        pauseThread(.seconds(1))  // Any EXTEND after READY would be a bug: give one the time to show.
        let extends = fixture.receiver.messages.filter { $0.value(of: "EXTEND_TIMEOUT_USEC") != nil }
        let early = extends.filter { $0.time < ready.time }
        let times = [daemon.startTime] + early.map(\.time) + [ready.time]
        let intervals = gaps(times)
        let values = Set(extends.compactMap { $0.value(of: "EXTEND_TIMEOUT_USEC") })
        print(
            "S13: READY \(milliseconds(ready.time - daemon.startTime)) ms after spawn; \(early.count) EXTEND before "
                + "it at (ms after spawn) \(early.map { milliseconds($0.time - daemon.startTime) }); gaps (ms) "
                + "\(intervals.map(milliseconds)); values \(values)"
        )
        #expect(ready.time - daemon.startTime >= 3, "slow_start=3 holds READY back 3 s")
        #expect(early.allSatisfy { $0.value(of: "EXTEND_TIMEOUT_USEC") == "1000000" }, "1 s in microseconds")
        #expect(extends.count == early.count, "no EXTEND_TIMEOUT_USEC after READY")
        // systemd kills a start that outlives its latest extension: each gap (spawn to the first extension, one
        // extension to the next, the last one to READY) must be shorter than the 1 s asked for.
        #expect(intervals.allSatisfy { $0 < 1 }, "gaps (ms): \(intervals.map(milliseconds))")
        // At least one extension in each 0.5 s interval after the first half timeout and before READY.
        let intervalsBeforeReady = Int((ready.time - daemon.startTime) / 0.5)
        var empty: [Int] = []
        for index in 1..<max(1, intervalsBeforeReady) {
            let from = daemon.startTime + Double(index) * 0.5
            if !early.contains(where: { $0.time >= from && $0.time < from + 0.5 }) { empty.append(index) }
        }
        #expect(empty.isEmpty, "0.5 s intervals without an extension (index from spawn): \(empty)")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }

    @Test("a bad configuration: exit 78, no READY, the message names the setting and file:line")
    func badConfigurationExits78() throws {
        let fixture = try ServeFixture.stdin("s-config")
        defer { fixture.remove() }
        try fixture.writeConfiguration(
            text: "source:\n  kind: stdin\n  batch: 0\nmodel:\n  path: \(try ServeModel.path())\n")
        let daemon = try fixture.start()
        defer { daemon.kill() }
        let ended = daemon.waitForExit(within: .seconds(10))
        #expect(ended?.status == 78, "\(ended?.description ?? "still running")\n\(daemon.errorText)")
        daemon.kill()
        let text = daemon.errorText
        print("bad configuration: \(ended?.description ?? "running"): \(text)")
        #expect(text.contains("source.batch"), "\(text)")
        #expect(text.contains(fixture.configurationPath + ":3"), "file:line of `batch: 0`: \(text)")
        #expect(fixture.receiver.count(of: "READY=1") == 0, "\(fixture.receiver.transcript)")
    }
}
