/// How many connections the server accepts, and how many are taken: what a client opening several connections checks
/// its count against.
package struct ServerConnectionLimits: Sendable, Equatable {
    /// `max_connections`.
    package var maxConnections: Int
    /// `superuser_reserved_connections`: slots only superusers may take.
    package var superuserReserved: Int
    /// `reserved_connections` (PostgreSQL 16 and later; 0 before): slots only roles with
    /// `pg_use_reserved_connections` may take.
    package var reserved: Int
    /// Client sessions open now, other than the one asking.
    package var inUse: Int
    /// The role's `CONNECTION LIMIT`; nil when it has none.
    package var roleLimit: Int?
    /// The role's sessions open now, other than the one asking.
    package var roleInUse: Int

    /// Limits given one by one (tests).
    package init(
        maxConnections: Int, superuserReserved: Int, reserved: Int = 0, inUse: Int = 0, roleLimit: Int? = nil,
        roleInUse: Int = 0
    ) {
        self.maxConnections = maxConnections
        self.superuserReserved = superuserReserved
        self.reserved = reserved
        self.inUse = inUse
        self.roleLimit = roleLimit
        self.roleInUse = roleInUse
    }

    /// Reads the limits over `connection`. Any role may run it: the settings are public, and `pg_stat_activity`
    /// shows every session's row (without its details to other roles).
    package static func read(on connection: Connection) throws(PostgresError) -> ServerConnectionLimits {
        let result = try connection.execute(
            """
            SELECT current_setting('max_connections'), current_setting('superuser_reserved_connections'),
                   coalesce(current_setting('reserved_connections', true), '0'),
                   (SELECT count(*) FROM pg_catalog.pg_stat_activity
                    WHERE pid <> pg_catalog.pg_backend_pid()
                      AND coalesce(backend_type = 'client backend', usesysid IS NOT NULL)),
                   (SELECT rolconnlimit FROM pg_catalog.pg_roles WHERE rolname = current_user),
                   (SELECT count(*) FROM pg_catalog.pg_stat_activity
                    WHERE pid <> pg_catalog.pg_backend_pid() AND usename = current_user)
            """)
        let values = (0..<6).map { result.text(0, $0).flatMap { Int($0) } }
        guard result.rowCount == 1, let maximum = values[0], let superuserReserved = values[1] else {
            throw PostgresError(.statement, message: "the server did not say its max_connections")
        }
        let roleLimit = values[4] ?? -1
        return ServerConnectionLimits(
            maxConnections: maximum, superuserReserved: superuserReserved, reserved: values[2] ?? 0,
            inUse: values[3] ?? 0, roleLimit: roleLimit >= 0 ? roleLimit : nil, roleInUse: values[5] ?? 0)
    }
}
