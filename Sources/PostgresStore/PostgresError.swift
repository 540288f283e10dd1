/// A five-character SQLSTATE code from the server, matched by class (its first two characters).
package struct SQLState: Hashable, Sendable, CustomStringConvertible {
    /// The code, for example `23505`.
    package let code: String

    /// Wraps `code`.
    package init(_ code: String) { self.code = code }

    /// The class: the first two characters, for example `23` (integrity constraint violation).
    package var errorClass: String { String(code.prefix(2)) }

    /// The code itself.
    package var description: String { code }

    /// A fault in one row's data (class 22, data exception; class 23, integrity constraint violation): the
    /// statement would succeed without that row, so a batch is bisected to find it.
    package var isRowData: Bool { errorClass == "22" || errorClass == "23" }

    /// A transient conflict worth retrying on the same connection: serialization failure or deadlock
    /// (class 40), lock not available (55P03), statement timeout or cancel (57014).
    package var isTransient: Bool { errorClass == "40" || code == "55P03" || code == "57014" }

    /// The server is shutting down or refusing for now (class 57 other than 57014, class 53: resources).
    package var isServerUnavailable: Bool { (errorClass == "57" && code != "57014") || errorClass == "53" }

    /// Bad credentials or authorization (class 28).
    package var isAuthorization: Bool { errorClass == "28" }

    /// The role lacks a privilege on a table, schema or function (42501).
    package var isInsufficientPrivilege: Bool { code == "42501" }

    /// An object or column named in the configuration does not exist (42P01, 42703, 3F000).
    package var isUndefinedObject: Bool { code == "42P01" || code == "42703" || code == "3F000" }
}

/// A failure talking to PostgreSQL. Messages carry the server's reason, never parameter values or passwords.
package struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, which decides what the caller does next.
    package enum Kind: Sendable, Equatable {
        /// Could not connect (server down, bad password, TLS failure): retry later with backoff.
        case connectFailed
        /// The connection broke (`PQstatus` is `CONNECTION_BAD`): reconnect and redo the transaction.
        case connectionLost
        /// The statement did not finish before the client-side deadline; the connection was cancelled and closed.
        case deadlineExceeded
        /// The server refused the statement; see ``PostgresError/sqlState``.
        case statement
        /// The configuration names something that cannot be used (unknown table or column, wrong type).
        case configuration
        /// Another daemon holds what this one needs (the advisory lock of a watermark source): wait and retry.
        case busy
    }

    /// What kind of failure.
    package let kind: Kind
    /// The server's SQLSTATE, for ``Kind/statement`` errors.
    package let sqlState: SQLState?
    /// What happened, in one line: libpq's or the server's primary message, with what we were doing.
    package let message: String
    /// The server's DETAIL and HINT, when it sent them. DETAIL may quote row values; it is not part of
    /// ``description``.
    package let detail: String?

    /// Builds an error.
    package init(_ kind: Kind, sqlState: SQLState? = nil, message: String, detail: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
    }

    /// The connection is gone (lost, or closed after a missed deadline): reconnect, then redo the work.
    package var needsReconnect: Bool { kind == .connectionLost || kind == .deadlineExceeded || kind == .connectFailed }

    /// The message and the SQLSTATE, for logs and dead letters. The server's DETAIL stays out (it is in
    /// ``detail``): it echoes row values, such as the failing row of a CHECK violation.
    package var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }
}
