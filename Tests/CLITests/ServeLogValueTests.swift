import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's log values for people: durations rounded, not raw `Double`s such as `0.32640261600000003`.
@Suite("vaewatch serve: log values for people")
struct ServeLogValueTests {
    @Test("the retrain's log line gives its seconds rounded for people (about three significant digits)")
    func retrainSecondsAreRounded() throws {
        let fixture = try ServeFixture.stdin("status-log-values")
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        var rows = ServeRows(count: 1_000)
        #expect(daemon.write(ServeRows.header + rows.take(1_000)))
        #expect(
            eventually(within: .seconds(10)) { fixture.status()?.number("records") == 1_000 }, "\(daemon.errorText)")
        #expect(daemon.signal(SIGUSR1))
        #expect(
            eventually(within: .seconds(60)) { daemon.errorText.contains("retrain finished") }, "\(daemon.errorText)")
        let line = try #require(daemon.lines(.stderr).first { $0.text.contains("retrain finished") }?.text)
        let seconds = try #require(line.split(separator: " ").first { $0.hasPrefix("retrain.seconds=") }, "\(line)")
        let value = String(seconds.dropFirst("retrain.seconds=".count))
        #expect((Double(value) ?? 0) > 0, "\(line)")
        let significant = value.filter(\.isNumber).drop { $0 == "0" }
        #expect(significant.count <= 3, "retrain.seconds=\(value) has more than three significant digits: \(line)")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }
}
