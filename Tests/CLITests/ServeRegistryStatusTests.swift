import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 19, item 11: a daemon that loads its model from the registry is running at once, not "warming up: learning
/// a first model" until its first record, and a reload does not bring that back.
@Suite("vaewatch serve (PostgreSQL): a model from the registry ends warm-up")
struct ServeRegistryStatusTests {
    @Test("registry model, no rows yet: status running with model v1 before any record, and after SIGHUP")
    func registryModelIsRunning() throws {
        let directory = try TestDirectory("registry-status")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let push = try vaewatch(
            [
                "models", "--database", database.conninfo, "--source-name", ServeDatabase.source, "--push",
                try ServeModel.path(),
            ], in: directory)
        try #require(push.status == 0, "\(push.stderr)")
        let settings = try database.settings().filter { $0.name != "model.path" }
        let fixture = try ServeFixture("registry-status", settings: settings)
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        let running = fixture.waitForStatus(within: .seconds(10)) {
            $0["state"] == "running" && $0.number("model_version") == 1
        }
        let line = running?["status"] ?? fixture.status()?.description ?? "none"
        print("registry model, before any record: \(line)")
        #expect(running != nil, "\(line)\n\(daemon.errorText)")
        #expect(line.hasPrefix("scoring public.metrics (queue): 0 records"), "\(line)")
        #expect(daemon.errorText.contains("model loaded from the registry"), "\(daemon.errorText)")

        let sent = NotifyReceiver.now()
        #expect(daemon.signal(SIGHUP))
        let ready = fixture.receiver.wait(
            for: { $0.time >= sent && $0.contains("READY=1") && $0.senderPID == daemon.pid }, within: .seconds(5))
        let reloaded = ready?.value(of: "STATUS") ?? ""
        print("after SIGHUP: \(reloaded)")
        #expect(reloaded.hasPrefix("scoring public.metrics (queue)"), "\(fixture.receiver.transcript)")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }
}
