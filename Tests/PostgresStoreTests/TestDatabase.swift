import PostgresStore
import TestSupport

/// A fresh database for one test, on the shared test cluster unless a private one is given.
struct TestDatabase {
    /// The cluster holding the database.
    let cluster: PostgresCluster
    /// The database's name (`t_<hex>`).
    let name: String

    /// Creates a fresh database; with `migrated`, applies vaewatch's migrations to it with ``Migrator``.
    init(on cluster: PostgresCluster? = nil, migrated: Bool = false) throws {
        self.cluster = try cluster ?? PostgresCluster.shared()
        name = try self.cluster.createDatabase()
        if migrated { _ = try Migrator.apply(on: try connect()) }
    }

    /// Settings for the database with the library's defaults; `conninfoSuffix` is appended to the conninfo (later
    /// keywords win, so `" user=x"` connects as `x`).
    func settings(_ conninfoSuffix: String = "") -> ConnectionSettings {
        ConnectionSettings(conninfo: cluster.conninfo(database: name) + conninfoSuffix)
    }

    /// A new connection with `settings`, by default ``settings(_:)``.
    func connect(_ settings: ConnectionSettings? = nil) throws -> Connection {
        try Connection(settings ?? self.settings())
    }

    /// Runs `sql` with psql against the database; one line per row, columns separated by `|`.
    @discardableResult
    func psql(_ sql: String) throws -> String { try cluster.psql(sql, database: name) }
}
