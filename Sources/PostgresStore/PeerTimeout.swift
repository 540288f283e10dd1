/// How long a silent peer of a TCP connection is given before its session is dropped: the server, for vaewatch;
/// vaewatch, for the server. One duration sets both ends, so that a daemon whose host drops off the network (a cut
/// link, a dead switch, a crashed VM: no FIN, no RST) loses its server session, and with it the locks and the claimed
/// queue rows of its open transaction, within about that long, for the other daemons to take over.
///
/// Both ends get TCP keepalives and `TCP_USER_TIMEOUT`: on the client through libpq's `keepalives`,
/// `keepalives_idle`, `keepalives_interval`, `keepalives_count` and `tcp_user_timeout`; on the server through the
/// session's `tcp_keepalives_idle`, `tcp_keepalives_interval`, `tcp_keepalives_count` and `tcp_user_timeout` (user
/// settable, sent as `-c` options; both ends ignore them on a Unix socket).
///
/// The first probe goes out after half the timeout of silence, then ``probes`` more spread over the rest; the user
/// timeout, the whole duration, ends the connection once a probe is out and the peer has been silent that long
/// (Linux), or when data sent stays unacknowledged that long. Keepalive times are whole seconds (at least 1), so a
/// very short timeout is held by the user timeout rather than the probes.
///
/// A server that is alive but frozen still acknowledges at the TCP level: neither end notices, which is what the
/// statement deadline (``ConnectionSettings/statementDeadline``) is for (finding L8).
package struct PeerTimeout: Sendable, Equatable {
    /// Keepalive probes sent after the first silent stretch before the peer counts as gone.
    package static let probes = 3

    /// The timeout, at least 1 ms.
    package let duration: Duration

    /// A timeout of `duration`.
    package init(_ duration: Duration) {
        precondition(duration > .zero, "PeerTimeout: the timeout must be positive")
        self.duration = duration
    }

    /// Seconds of silence before the first keepalive probe: half the timeout, at least 1.
    package var idleSeconds: Int { max(1, Int(duration.milliseconds / 2000)) }

    /// Seconds between probes: the rest of the timeout over ``probes``, at least 1.
    package var intervalSeconds: Int {
        max(1, (Int(duration.milliseconds / 1000) - idleSeconds) / Self.probes)
    }

    /// `TCP_USER_TIMEOUT` in milliseconds: the whole timeout.
    package var userTimeoutMilliseconds: Int64 { duration.milliseconds }

    /// libpq's connection keywords, for the client end.
    package var clientParameters: [(keyword: String, value: String)] {
        [
            ("keepalives", "1"), ("keepalives_idle", String(idleSeconds)),
            ("keepalives_interval", String(intervalSeconds)), ("keepalives_count", String(Self.probes)),
            ("tcp_user_timeout", String(userTimeoutMilliseconds)),
        ]
    }

    /// The server's settings (name, value), for the server end of the session.
    package var serverSettings: [(name: String, value: String)] {
        [
            ("tcp_keepalives_idle", String(idleSeconds)), ("tcp_keepalives_interval", String(intervalSeconds)),
            ("tcp_keepalives_count", String(Self.probes)), ("tcp_user_timeout", String(userTimeoutMilliseconds)),
        ]
    }
}
