import PostgresStore

/// What an operator does about an error the daemon retries but cannot fix itself, for STATUS and the log: a retry
/// that waits on a person should say so, not look like a database outage.
enum RetryAdvice {
    /// `error`'s description with what to do, when there is something to do; `table` is the source table.
    static func text(for error: PostgresError, table: String) -> String {
        guard let advice = advice(for: error, table: table) else { return error.description }
        return error.description + "; " + advice
    }

    /// What to do about `error`, or nil when waiting is all there is (a lost connection, a conflict).
    static func advice(for error: PostgresError, table: String) -> String? {
        guard let state = error.sqlState else { return nil }
        if state.isInsufficientPrivilege {
            return "grant the daemon's role the privilege it lacks (GRANT SELECT ON \(table) TO vaewatch_daemon for "
                + "the source table; sql/roles.sql grants the rest); retrying meanwhile"
        }
        if state.isUndefinedObject {
            return "check the setting that names it, or run vaewatch init-db; retrying meanwhile"
        }
        if state.isRowData {
            return "a value does not fit its column; fix the value or the column; retrying meanwhile"
        }
        return nil
    }
}
