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

    /// Settings with the given conninfo and the defaults: deadline 10 s, statement_timeout 8 s, lock_timeout 2 s.
    package init(
        conninfo: String = "", applicationName: String = "vaewatch", connectTimeoutSeconds: Int = 10,
        statementDeadline: Duration = .seconds(10), statementTimeout: Duration? = .seconds(8),
        lockTimeout: Duration? = .seconds(2)
    ) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementDeadline = statementDeadline
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
    }

    /// The session settings that decide how a key prints as text, pinned to the values the queue trigger pins
    /// (sql/004_sources.sql): a row's `source_id` must not depend on who inserted it or who reads it.
    /// ISO dates read back the same under any DateStyle order; extra_float_digits 1 prints the shortest text that
    /// reads back as the same double.
    static let canonicalText = [
        "-c datestyle=ISO,YMD", "-c timezone=UTC", "-c intervalstyle=postgres", "-c extra_float_digits=1",
        "-c bytea_output=hex",
    ]

    /// The `-c name=value` options: the canonical text settings, and the server-side timeouts in milliseconds.
    /// They follow the conninfo's own `options`, so they win over it.
    var serverOptions: String {
        var options = Self.canonicalText
        if let statementTimeout { options.append("-c statement_timeout=\(statementTimeout.milliseconds)") }
        if let lockTimeout { options.append("-c lock_timeout=\(lockTimeout.milliseconds)") }
        return options.joined(separator: " ")
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
