import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Rows S5–S7 of RELIABILITY.md: SIGHUP with a valid and an invalid configuration, and SIGUSR1 (retrain now, once
/// and in a burst), against `vaewatch serve` in stdin mode as a child, while records keep flowing through it.
@Suite("vaewatch serve: reload and retrain signals (S5–S7)")
struct ServeSignalTests {
    /// Now on `CLOCK_MONOTONIC` in whole microseconds, rounded down: the unit of `MONOTONIC_USEC`.
    private static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    @Test("S5: SIGHUP with a changed training.every_seconds: RELOADING=1 with MONOTONIC_USEC, READY=1, in force")
    func reloadValidConfiguration() throws {
        let settings: [(name: String, value: String)] = [("training.every_seconds", "3600")]
        let fixture = try ServeFixture.stdin("s5", settings: settings)
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        let before = fixture.waitForStatus(within: .seconds(5)) { $0.number("next_retrain_seconds") != nil }
        let dueBefore = try #require(before?.number("next_retrain_seconds"), "\(before?.description ?? "none")")
        #expect(dueBefore <= 3600)

        try fixture.writeConfiguration([
            ("source.kind", "stdin"), ("source.batch", "500"), ("model.path", try ServeModel.path()),
            ("training.every_seconds", "86400"), ("log.level", "info"),
        ])
        let sentMicroseconds = Self.monotonicMicroseconds()
        let sent = NotifyReceiver.now()
        #expect(daemon.signal(SIGHUP))
        let reloading = try #require(
            fixture.receiver.wait(for: "RELOADING=1", after: sent, within: .seconds(5)),
            "\(fixture.receiver.transcript)\n\(daemon.errorText)")
        let stamp = try #require(
            reloading.value(of: "MONOTONIC_USEC").flatMap { UInt64($0) },
            "MONOTONIC_USEC in the same datagram as RELOADING=1, as systemd requires: \(reloading)")
        let messages = fixture.receiver.messages
        let reloadingIndex = try #require(
            messages.firstIndex { $0.time == reloading.time && $0.text == reloading.text })
        let ready = messages[(reloadingIndex + 1)...].first { $0.contains("READY=1") }
        print(
            "S5: RELOADING=1 \(milliseconds(reloading.time - sent)) ms after HUP, MONOTONIC_USEC = send + "
                + "\(Int64(stamp) - Int64(sentMicroseconds)) µs; READY=1 "
                + "\(ready.map { "\(milliseconds($0.time - sent)) ms" } ?? "missing") after HUP")
        #expect(stamp >= sentMicroseconds && stamp <= sentMicroseconds + 5_000_000)
        #expect(reloading.time - sent <= 5)
        #expect((ready?.time ?? .infinity) - sent <= 5, "READY=1 after RELOADING=1 within 5 s")
        let after = fixture.waitForStatus(within: .seconds(5)) { ($0.number("next_retrain_seconds") ?? 0) > 3600 }
        print(
            "S5: next_retrain_seconds \(Int(dueBefore)) before, \(after?["next_retrain_seconds"] ?? "unchanged") after")
        #expect(after != nil, "training.every_seconds 86400 in force: \(fixture.status()?.description ?? "none")")
        #expect(daemon.isRunning)
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }

    @Test("S6: SIGHUP with an invalid configuration: READY=1 within 5 s, STATUS says reload rejected, scoring goes on")
    func reloadInvalidConfiguration() throws {
        let fixture = try ServeFixture.stdin("s6")
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        var rows = ServeRows(count: 4_000, skip: 2_000)
        #expect(daemon.write(ServeRows.header + rows.take(200)))
        #expect(eventually(within: .seconds(10)) { scoredLines(daemon).count == 200 }, "\(daemon.errorText)")

        try fixture.writeConfiguration(
            text: "source:\n  kind: stdin\nmodel:\n  path: \(try ServeModel.path())\nthreshold:\n  quantile: 2\n")
        let sent = NotifyReceiver.now()
        #expect(daemon.signal(SIGHUP))
        let ready = fixture.receiver.wait(
            for: { $0.time >= sent && $0.contains("READY=1") && $0.senderPID == daemon.pid }, within: .seconds(5))
        let rejected = fixture.receiver.first {
            $0.time >= sent && ($0.value(of: "STATUS") ?? "").contains("reload rejected")
        }
        print(
            "S6: READY=1 \(ready.map { "\(milliseconds($0.time - sent)) ms" } ?? "missing") after HUP; STATUS: "
                + "\(rejected?.value(of: "STATUS") ?? "none")")
        #expect(ready != nil, "\(fixture.receiver.transcript)\n\(daemon.errorText)")
        #expect(rejected != nil, "\(fixture.receiver.transcript)")
        #expect(rejected?.value(of: "STATUS")?.contains("threshold.quantile") == true, "names the setting")

        // Keep feeding for 10 s: 50 rows every 0.25 s (5% planted anomalies).
        let end = sent + 10
        while NotifyReceiver.now() < end {
            #expect(daemon.write(rows.take(50)))
            pauseThread(.milliseconds(250))
        }
        let scored = scoredLines(daemon, after: sent).filter { $0.time <= end }
        print("S6: in the 10 s after HUP: \(scored.count) records scored, \(flagged(scored)) flagged")
        #expect(flagged(scored) > 0)
        #expect(daemon.isRunning, "the daemon did not exit")
        let status = fixture.waitForStatus(within: .seconds(3)) { ($0["last_error"] ?? "").contains("reload rejected") }
        #expect(status != nil, "status.json last_error: \(fixture.status()?.description ?? "none")")

        // Issue 19, item 4: the configuration fixed and reloaded, STATUS and the status file forget the rejection.
        try fixture.writeConfiguration(text: "source:\n  kind: stdin\nmodel:\n  path: \(try ServeModel.path())\n")
        let fixed = NotifyReceiver.now()
        #expect(daemon.signal(SIGHUP))
        let reloaded = fixture.receiver.wait(
            for: { $0.time >= fixed && $0.contains("READY=1") && $0.senderPID == daemon.pid }, within: .seconds(5))
        let line = reloaded?.value(of: "STATUS") ?? ""
        print("S6: after a good reload, STATUS: \(line)")
        #expect(line.hasPrefix("scoring stdin"), "\(fixture.receiver.transcript)")
        #expect(!line.contains("reload rejected"), "\(line)")
        let cleared = fixture.waitForStatus(within: .seconds(3)) {
            !($0["last_error"] ?? "").contains("reload rejected")
        }
        #expect(cleared != nil, "status.json last_error: \(fixture.status()?.description ?? "none")")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }

    @Test("S7: one SIGUSR1 is one retrain; 10 within 100 ms are at most 2; none overlap; scoring goes on meanwhile")
    func retrainSignals() throws {
        let fixture = try ServeFixture.stdin(
            "s7",
            settings: [
                ("training.window", "4000"), ("training.epochs", "30"), ("model.min_steps", "0"),
                ("training.every_seconds", "0"),
            ])
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        var rows = ServeRows(count: 20_000, skip: 2_000)
        #expect(daemon.write(ServeRows.header + rows.take(4_000)))
        #expect(eventually(within: .seconds(30)) { scoredLines(daemon).count == 4_000 }, "\(daemon.errorText)")
        let initial = fixture.waitForStatus(within: .seconds(5)) { $0.number("records") == 4_000 }
        #expect(initial?.number("retrains") == 0, "\(initial?.description ?? "none")")

        /// Feeds 40 rows every 50 ms until `retrains` reaches `target` and no retrain runs, then 2 s more (a retrain
        /// the policy still owed would have started by then); returns the status at the end.
        func feedUntilRetrains(_ target: Double) -> StatusSnapshot? {
            let deadline = NotifyReceiver.now() + 120
            var settledAt: Double?
            while NotifyReceiver.now() < deadline {
                daemon.write(rows.take(40))
                pauseThread(.milliseconds(50))
                let status = fixture.status()
                let done = (status?.number("retrains") ?? 0) >= target && status?["retraining"] == "false"
                if done, settledAt == nil { settledAt = NotifyReceiver.now() }
                if !done { settledAt = nil }
                if let settledAt, NotifyReceiver.now() - settledAt >= 2 { return status }
            }
            return fixture.status()
        }

        let single = NotifyReceiver.now()
        #expect(daemon.signal(SIGUSR1))
        let afterOne = feedUntilRetrains(1)
        let burst = NotifyReceiver.now()
        for index in 0..<10 {
            #expect(daemon.signal(SIGUSR1))
            if index < 9 { pauseThread(.milliseconds(9)) }
        }
        let burstLength = NotifyReceiver.now() - burst
        let afterBurst = feedUntilRetrains((afterOne?.number("retrains") ?? 1) + 1)

        let log = daemon.lines(.stderr)
        let started = log.filter { $0.text.contains("retrain started") }
        let finished = log.filter { $0.text.contains("retrain finished") }
        let retrainsOne = Int(afterOne?.number("retrains") ?? -1)
        let retrainsBurst = Int(afterBurst?.number("retrains") ?? -1) - retrainsOne
        // Retrain intervals from the log: each "retrain started" to the next "retrain finished".
        var spans: [(Double, Double)] = []
        for start in started {
            if let end = finished.first(where: { $0.time >= start.time }) { spans.append((start.time, end.time)) }
        }
        let spanText = spans.map { "\(milliseconds($0.0 - single))–\(milliseconds($0.1 - single))" }
        let during = spans.map { span in scoredLines(daemon).filter { $0.time >= span.0 && $0.time <= span.1 } }
        print(
            "S7: 1 USR1 -> \(retrainsOne) retrain(s); 10 USR1 in \(milliseconds(burstLength)) ms -> \(retrainsBurst); "
                + "retrains (ms, from the single USR1): \(spanText); "
                + "scored during each: \(during.map(\.count)), flagged: \(during.map(flagged))")
        #expect(retrainsOne == 1, "\(afterOne?.description ?? "no status")\n\(daemon.errorText)")
        #expect(burstLength < 0.1)
        #expect(retrainsBurst >= 1 && retrainsBurst <= 2, "\(afterBurst?.description ?? "no status")")
        #expect(started.filter { $0.time >= single && $0.time < burst }.count == 1)
        #expect(started.filter { $0.time >= burst }.count == retrainsBurst)
        #expect(log.contains { $0.text.contains("retrain") && $0.time >= single }, "USR1 logs a line with retrain")
        // No overlap: in log order, started and finished alternate.
        let events = log.filter { $0.text.contains("retrain started") || $0.text.contains("retrain finished") }
        let overlapping = zip(events, events.dropFirst()).filter {
            $0.0.text.contains("retrain started") && $0.1.text.contains("retrain started")
        }
        #expect(overlapping.isEmpty, "a retrain started while another ran: \(overlapping.map(\.1))")
        #expect(spans.count == retrainsOne + retrainsBurst)
        #expect(during.allSatisfy { flagged($0) > 0 }, "flags kept coming during each retrain")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }
}
