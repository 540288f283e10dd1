/// How to reach PostgreSQL and how long to wait for it.
package struct ConnectionSettings: Sendable {
    /// A libpq conninfo string (`host=/run/postgresql dbname=metrics`) or URI (`postgresql://…`). Empty means
    /// libpq's own defaults: the `PG*` environment variables and the service file. Put passwords in a pgpass file,
    /// never here: this string may show up in process listings.
    package var conninfo: String
    /// `application_name`, which names our sessions in `pg_stat_activity`; the conninfo's own wins.
    package var applicationName: String
    /// libpq's `connect_timeout` in seconds; the conninfo's own wins.
    package var connectTimeoutSeconds: Int
    /// The client-side deadline of every statement: past it the statement is cancelled and the connection
    /// closed, which catches a frozen server that keepalives never notice.
    package var statementDeadline: Duration
    /// The server-side `statement_timeout` (SQLSTATE 57014 when exceeded); nil leaves the server's setting.
    package var statementTimeout: Duration?
    /// The server-side `lock_timeout` (SQLSTATE 55P03 when exceeded); nil leaves the server's setting.
    package var lockTimeout: Duration?
    /// How long a silent peer is given on a TCP connection before its session is dropped, on both ends
    /// (``PeerTimeout``: keepalives and `tcp_user_timeout`); the conninfo's own keepalive keywords, and `-c` settings
    /// of the same names in its `options`, win. Nil leaves libpq's and the server's settings (the kernel's: two hours
    /// of silence before the first probe).
    package var peerTimeout: Duration?

    /// Settings with the given conninfo and the defaults: deadline 10 s, statement_timeout 8 s, lock_timeout 2 s,
    /// peer timeout 30 s.
    package init(
        conninfo: String = "", applicationName: String = "vaewatch", connectTimeoutSeconds: Int = 10,
        statementDeadline: Duration = .seconds(10), statementTimeout: Duration? = .seconds(8),
        lockTimeout: Duration? = .seconds(2), peerTimeout: Duration? = .seconds(30)
    ) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementDeadline = statementDeadline
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
        self.peerTimeout = peerTimeout
    }

    /// The session settings that decide how a key prints as text, pinned to the values the queue trigger pins
    /// (sql/004_sources.sql): a row's `source_id` must not depend on who inserted it or who reads it.
    /// ISO dates read back the same under any DateStyle order; extra_float_digits 1 prints the shortest text that
    /// reads back as the same double.
    static let canonicalText = [
        "-c datestyle=ISO,YMD", "-c timezone=UTC", "-c intervalstyle=postgres", "-c extra_float_digits=1",
        "-c bytea_output=hex",
    ]

    /// The `-c name=value` options added to `given`, the conninfo's own `options`: the canonical text settings and
    /// the server-side timeouts in milliseconds, which follow `given` and so win over it; and the server end of the
    /// peer timeout, except a setting `given` names already, which keeps its value.
    func serverOptions(after given: String = "") -> String {
        var options = Self.canonicalText
        if let statementTimeout { options.append("-c statement_timeout=\(statementTimeout.milliseconds)") }
        if let lockTimeout { options.append("-c lock_timeout=\(lockTimeout.milliseconds)") }
        if let peerTimeout {
            let named = Self.settingNames(inOptions: given)
            for (name, value) in PeerTimeout(peerTimeout).serverSettings where !named.contains(name) {
                options.append("-c \(name)=\(value)")
            }
        }
        return options.joined(separator: " ")
    }

    /// The libpq keywords and values to connect with: `given` (the conninfo's, parsed), then for each keyword it
    /// lacks, ours: `application_name`, `connect_timeout`, the client end of the peer timeout; and `options` with
    /// ``serverOptions(after:)`` appended.
    package func connectionParameters(given: [(keyword: String, value: String)]) -> [(keyword: String, value: String)] {
        var parameters = given
        func setDefault(_ keyword: String, _ value: String) {
            if !parameters.contains(where: { $0.keyword == keyword }) { parameters.append((keyword, value)) }
        }
        setDefault("application_name", applicationName)
        setDefault("connect_timeout", String(connectTimeoutSeconds))
        if let peerTimeout {
            for (keyword, value) in PeerTimeout(peerTimeout).clientParameters { setDefault(keyword, value) }
        }
        if let index = parameters.firstIndex(where: { $0.keyword == "options" }) {
            parameters[index].value += " " + serverOptions(after: parameters[index].value)
        } else {
            parameters.append(("options", serverOptions()))
        }
        return parameters
    }

    /// The names of the settings a libpq `options` value sets (`-c name=value`, `-cname=value`, `--name=value`), in
    /// lower case with dashes as underscores, as the server reads them.
    static func settingNames(inOptions options: String) -> Set<String> {
        let words = options.split(whereSeparator: \.isWhitespace).map(String.init)
        var names: Set<String> = []
        for (index, word) in words.enumerated() {
            var assignment: Substring?
            if word == "-c" {
                assignment = index + 1 < words.count ? Substring(words[index + 1]) : nil
            } else if word.hasPrefix("--") {
                assignment = word.dropFirst(2)
            } else if word.hasPrefix("-c") {
                assignment = word.dropFirst(2)
            }
            guard let assignment, let equals = assignment.firstIndex(of: "=") else { continue }
            names.insert(String(assignment[..<equals]).lowercased().replacing("-", with: "_"))
        }
        return names
    }
}

extension Duration {
    /// The whole milliseconds in this duration, at least 1 when it is positive.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return total == 0 && self > .zero ? 1 : total
    }
}
