import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 17, item 10: a second daemon on a watermark source that another daemon holds is a standby; it logs
/// "source busy" once when it starts waiting, not at every poll.
@Suite("vaewatch serve (PostgreSQL): a watermark standby logs once")
struct ServeStandbyTests {
    @Test("two daemons on one watermark table for 10 s: the standby logs \"source busy\" exactly once")
    func standbyLogsOnce() throws {
        let directory = try TestDirectory("standby-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory, mode: "watermark")
        try database.insert(from: 1, count: 100)
        let settings = try database.settings([("source.mode", "watermark"), ("source.poll", "0.2")])
        let holder = try ServeFixture("standby-a", settings: settings)
        defer { holder.remove() }
        let standby = try ServeFixture("standby-b", settings: settings)
        defer { standby.remove() }
        let first = try holder.start()
        defer { _ = first.kill() }
        try holder.awaitReady(first, within: .seconds(15))
        try #require(
            eventually(within: .seconds(20)) { (try? database.scored()) == 100 }, "holder:\n\(first.errorText)")
        let second = try standby.start()
        defer { _ = second.kill() }
        try standby.awaitReady(second, within: .seconds(15))
        pauseThread(.seconds(10))
        #expect(first.isRunning && second.isRunning)

        let busy = second.lines(.stderr).filter { $0.text.contains("source busy") }
        print(
            "standby, 10 s at source.poll 0.2 s: \(busy.count) \"source busy\" lines\n"
                + busy.map(\.text).joined(separator: "\n"))
        #expect(busy.count == 1, "\(second.errorText)")
        #expect(!first.errorText.contains("source busy"), "the holder is not busy: \(first.errorText)")
        let status = standby.status()?["status"] ?? ""
        #expect(status.contains("waiting"), "the standby's status says it waits: \(status)")
        // The standby still takes over when the holder stops.
        #expect(first.stop()?.status == 0)
        try database.insert(from: 101, count: 50)
        #expect(
            eventually(within: .seconds(15)) { (try? database.scored()) == 150 },
            "standby took over:\n\(second.errorText)")
    }
}
