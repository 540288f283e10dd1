import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Row P20 of RELIABILITY.md: one daemon's host cut off the network in the middle of a batch, among several daemons
/// on one table. Three daemons run in network namespaces of the test's own (``IsolatedHosts``) and reach a private
/// PostgreSQL over TCP, each through a veth link of its own. The test catches one holding claimed queue rows in an open
/// transaction, takes its link down (silently: no FIN, no RST reaches either end), and measures how long the server
/// keeps the daemon's sessions (`database.peer_timeout`, which vaewatch sets on both ends as keepalives and
/// `tcp_user_timeout`) and how long until the rows it had claimed have verdicts from the other two; then brings the
/// link back and waits for the daemon to reconnect. Ten cuts in a row, each daemon in turn, rows arriving throughout;
/// then 0 lost, 0 duplicated.
@Suite("vaewatch serve (PostgreSQL): a daemon's host cut off the network mid-batch (P20)")
struct ServeNetworkCutTests {
    /// `database.peer_timeout` of the daemons, in seconds.
    static let peerTimeout = 3.0
    /// Beyond the peer timeout, what the measurement may add: keepalive timers fire on whole seconds, and the test
    /// polls the server every ~70 ms.
    static let margin = 1.5
    /// Beyond the drop, what the other daemons may take to claim and score the rows it freed: a poll interval
    /// (`source.poll` 0.2 s), a batch or two.
    static let scoringMargin = 1.0

    @Test(
        "P20: 10 cuts mid-batch among 3 daemons over TCP: sessions dropped within the peer timeout, claims rescored, 0 lost/dup",
        .enabled("needs root: network namespaces and veth pairs (ip netns)") { Self.namespacesAvailable() })
    func tenCutsMidBatch() throws {
        let hosts = try IsolatedHosts(count: 3)
        defer { hosts.remove() }
        let listening = TCPListening(
            addresses: hosts.hosts.map(\.serverAddress),
            port: try TCPListening.freePort(on: hosts.hosts[0].serverAddress),
            trustedNetworks: [hosts.network])
        let cluster = try PostgresCluster.start(purpose: "p20", tcp: listening)
        defer { cluster.destroy() }
        let directory = try TestDirectory("p20-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory, cluster: cluster)
        let trial = CutTrial(database: database, hosts: hosts)
        try trial.sql("CREATE TABLE p20_claimed (cut int, pid int, source_id text)")
        let fixtures = try hosts.hosts.enumerated().map { index, host in
            try ServeFixture(
                "p20-\(index)",
                settings: try database.settings([
                    ("database.url", "\"\(cluster.conninfo(database: database.name, address: host.serverAddress))\""),
                    ("database.peer_timeout", "\(Self.peerTimeout)"), ("source.batch", "1000"), ("source.workers", "1"),
                ]))
        }
        defer { for fixture in fixtures { fixture.remove() } }
        let daemons = try fixtures.indices.map { index in
            try DaemonProcess(
                hosts.command(index, [Child.executable, "serve", "--config", fixtures[index].configurationPath]),
                environment: fixtures[index].environment([]))
        }
        defer { for daemon in daemons { _ = daemon.kill() } }
        for (fixture, daemon) in zip(fixtures, daemons) { try fixture.awaitReady(daemon, within: .seconds(20)) }
        func transcript() -> String {
            zip(hosts.hosts, daemons).map {
                "\($0.namespace) (\($1.termination?.description ?? "running")):\n\($1.errorText)"
            }
            .joined(separator: "\n---\n")
        }

        var figures: [CutFigures] = []
        for cut in 0..<10 {
            let victim = cut % 3
            let host = hosts.hosts[victim]
            let connected = try eventually(within: .seconds(20)) { try trial.pipelineSession(of: host) != nil }
            try #require(connected, "cut \(cut): \(host.namespace)'s daemon has no pipeline session\n\(transcript())")
            let caught = try #require(
                try trial.cutMidBatch(victim, cut: cut), "cut \(cut): never caught \(host.namespace) mid-batch")
            var measured = try trial.measure(caught, cut: cut, limit: .seconds(Self.peerTimeout + 12))
            try hosts.restore(victim)
            let restored = ContinuousClock.now
            let unscored =
                "\(measured); the server kept \(host.namespace)'s session (it claimed \(caught.claimed) "
                + "rows) for \(Self.peerTimeout + 12) s, and nobody scored them\n\(transcript())"
            try #require(measured.scored != nil, Comment(rawValue: unscored))
            let back = try eventually(within: .seconds(20)) {
                try trial.feed(100)
                return try trial.pipelineSession(of: host).map { !caught.sessions.contains($0) } ?? false
            }
            if back { measured.reconnected = (ContinuousClock.now - restored) / .seconds(1) }
            print("P20 \(measured)")
            figures.append(measured)
            #expect(daemons[victim].isRunning, "cut \(cut): the cut daemon keeps running\n\(transcript())")
        }

        let drained = eventually(within: .seconds(60)) { (try? database.queued()) == 0 }
        let audit = try database.audit()
        let worst = { (path: KeyPath<CutFigures, Double?>) in
            CutFigures.seconds(figures.compactMap { $0[keyPath: path] }.max())
        }
        print(
            "P20: 10 cuts, peer timeout \(Self.peerTimeout) s; worst: session dropped \(worst(\.dropped)), claimed rows "
                + "scored by the others \(worst(\.scored)), reconnected \(worst(\.reconnected)) after the link came "
                + "back; \(figures.map(\.claimed).reduce(0, +)) rows claimed at the cuts; \(audit)")
        for figure in figures {
            #expect(
                (figure.dropped ?? .infinity) <= Self.peerTimeout + Self.margin,
                "the server drops the cut daemon's session within the peer timeout: \(figure)")
            #expect(
                (figure.allDropped ?? .infinity) <= Self.peerTimeout + Self.margin,
                "and its idle sessions (LISTEN, trainer lock) too: \(figure)")
            #expect(
                (figure.scored ?? .infinity) <= Self.peerTimeout + Self.margin + Self.scoringMargin,
                "the others score its claimed rows within the peer timeout: \(figure)")
            #expect(
                (figure.scored ?? 0) >= (figure.dropped ?? .infinity),
                "nobody scores the claimed rows while the cut daemon's session holds them: \(figure)")
            #expect(figure.reconnected != nil, "the daemon reconnects once its link is back: \(figure)")
        }
        #expect(drained, "the queue drains")
        #expect(audit.lost == 0 && audit.duplicated == 0, "\(audit)")
        #expect(audit.strays == 0 && audit.deadLetters == 0, "\(audit)")
        for daemon in daemons { #expect(daemon.stop()?.status == 0, "\(transcript())") }
    }

    /// Whether ``IsolatedHosts`` can be made here; prints why not, so that a skipped run says so.
    static func namespacesAvailable() -> Bool {
        guard let reason = IsolatedHosts.unavailableReason else { return true }
        print("P20 skipped: \(reason)")
        return false
    }
}
