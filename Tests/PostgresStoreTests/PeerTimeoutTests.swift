import PostgresStore
import TestSupport
import Testing

/// The peer timeout (`database.peer_timeout`): keepalives and `tcp_user_timeout` on both ends of a TCP connection,
/// derived from one duration; the conninfo's own values win.
@Suite("PostgresStore: the peer timeout")
struct PeerTimeoutTests {
    @Test(
        "derivation: first probe after half the timeout, 3 probes over the rest, the user timeout the whole",
        arguments: [
            (30_000, 15, 5, 30_000), (3_000, 1, 1, 3_000), (2_000, 1, 1, 2_000), (4_500, 2, 1, 4_500),
            (10_000, 5, 1, 10_000), (3_600_000, 1_800, 600, 3_600_000),
        ])
    func derivation(milliseconds: Int64, idle: Int, interval: Int, userTimeout: Int64) {
        let timeout = PeerTimeout(.milliseconds(milliseconds))
        #expect(timeout.idleSeconds == idle)
        #expect(timeout.intervalSeconds == interval)
        #expect(PeerTimeout.probes == 3)
        #expect(timeout.userTimeoutMilliseconds == userTimeout)
        if milliseconds >= 6_000 {
            // Long enough for whole seconds: the last probe goes out within the timeout, less than a probe early.
            let lastProbe = Int64(idle + PeerTimeout.probes * interval) * 1000
            #expect(lastProbe <= milliseconds && lastProbe > milliseconds - Int64(PeerTimeout.probes) * 1000)
        }
    }

    @Test("with no conninfo: keepalives on, the client keywords and the server's -c settings of the default 30 s")
    func defaults() {
        let parameters = ConnectionSettings().connectionParameters(given: [])
        let values = Dictionary(uniqueKeysWithValues: parameters.map { ($0.keyword, $0.value) })
        #expect(values["keepalives"] == "1")
        #expect(values["keepalives_idle"] == "15")
        #expect(values["keepalives_interval"] == "5")
        #expect(values["keepalives_count"] == "3")
        #expect(values["tcp_user_timeout"] == "30000")
        #expect(values["connect_timeout"] == "10")
        let options = values["options"] ?? ""
        for setting in [
            "-c tcp_keepalives_idle=15", "-c tcp_keepalives_interval=5", "-c tcp_keepalives_count=3",
            "-c tcp_user_timeout=30000", "-c statement_timeout=8000",
        ] {
            #expect(options.contains(setting), "\(options)")
        }
    }

    @Test("the conninfo's own keepalive keywords and -c settings win; ours fill in the rest")
    func conninfoWins() throws {
        var settings = ConnectionSettings()
        settings.peerTimeout = .seconds(6)
        let given: [(keyword: String, value: String)] = [
            ("host", "db.example"), ("keepalives_idle", "60"), ("tcp_user_timeout", "0"),
            ("options", "-c tcp_keepalives_idle=120 --tcp-user-timeout=9000 -ctcp_keepalives_count=9"),
        ]
        let parameters = settings.connectionParameters(given: given)
        #expect(parameters.filter { $0.keyword == "keepalives_idle" }.map(\.value) == ["60"])
        #expect(parameters.filter { $0.keyword == "tcp_user_timeout" }.map(\.value) == ["0"])
        #expect(parameters.filter { $0.keyword == "keepalives_interval" }.map(\.value) == ["1"])
        #expect(parameters.filter { $0.keyword == "keepalives" }.map(\.value) == ["1"])
        let options = parameters.filter { $0.keyword == "options" }.map(\.value)
        try #require(options.count == 1)
        let theirs = "-c tcp_keepalives_idle=120 --tcp-user-timeout=9000 -ctcp_keepalives_count=9 "
        try #require(options[0].hasPrefix(theirs), "\(options[0])")
        let added = options[0].dropFirst(theirs.count)
        #expect(added.contains("-c tcp_keepalives_interval=1"), "\(added)")
        for ours in ["tcp_keepalives_idle=", "tcp_user_timeout=", "tcp_keepalives_count="] {
            #expect(!added.contains(ours), "the conninfo's \(ours) stays alone: \(added)")
        }
    }

    @Test("no peer timeout: neither keepalive keywords nor tcp_ settings")
    func off() {
        var settings = ConnectionSettings()
        settings.peerTimeout = nil
        let parameters = settings.connectionParameters(given: [])
        #expect(!parameters.contains { $0.keyword.hasPrefix("keepalives") || $0.keyword == "tcp_user_timeout" })
        let options = parameters.first { $0.keyword == "options" }?.value ?? ""
        #expect(!options.contains("tcp_"), "\(options)")
    }

    @Test("a TCP session shows the server end (tcp_keepalives_*, tcp_user_timeout); a Unix socket ignores it")
    func serverEnd() throws {
        let port = try TCPListening.freePort()
        let cluster = try PostgresCluster.start(
            purpose: "peer-timeout", tcp: TCPListening(addresses: ["127.0.0.1"], port: port))
        defer { cluster.destroy() }
        var settings = ConnectionSettings(conninfo: cluster.conninfo(address: "127.0.0.1"))
        settings.peerTimeout = .seconds(7)
        let connection = try Connection(settings)
        #expect(try connection.execute("SELECT inet_client_addr()::text").text(0, 0) == "127.0.0.1/32")
        /// The server's value of `name` for this session, as SHOW prints it.
        func show(_ name: String, on connection: Connection) throws -> String? {
            try connection.execute("SHOW \(identifier: name)").text(0, 0)
        }
        #expect(try show("tcp_keepalives_idle", on: connection) == "3")
        #expect(try show("tcp_keepalives_interval", on: connection) == "1")
        #expect(try show("tcp_keepalives_count", on: connection) == "3")
        #expect(try show("tcp_user_timeout", on: connection) == "7000", "milliseconds, as the socket has it")
        let local = try Connection(ConnectionSettings(conninfo: cluster.conninfo()))
        #expect(try show("tcp_keepalives_idle", on: local) == "0")
        #expect(try show("tcp_user_timeout", on: local) == "0")
    }
}
