/// One numbered file of `sql/`, embedded in the binary so that an installed `vaewatch init-db` needs no files.
package struct Migration: Sendable {
    /// The number in the file name; files apply in this order, each once.
    package let version: Int
    /// The file name, for example `001_scores.sql`.
    package let name: String
    /// The file's SQL. Each file holds its own `BEGIN … COMMIT` and records itself in `schema_migrations`, so
    /// `psql -f` applies it the same way.
    package let sql: String

    /// Every migration, in order. A test checks that this list names every numbered file in `sql/`.
    package static let all: [Migration] = [
        Migration(version: 1, name: "001_scores.sql", bytes: PackageResources._01_scores_sql),
        Migration(version: 2, name: "002_queue.sql", bytes: PackageResources._02_queue_sql),
        Migration(version: 3, name: "003_state.sql", bytes: PackageResources._03_state_sql),
        Migration(version: 4, name: "004_sources.sql", bytes: PackageResources._04_sources_sql),
        Migration(version: 5, name: "005_latent.sql", bytes: PackageResources._05_latent_sql),
        Migration(version: 6, name: "006_instances.sql", bytes: PackageResources._06_instances_sql),
    ]

    /// `sql/roles.sql`: the least-privilege role for the daemon, applied by hand (it needs role-creation rights).
    package static let rolesScript = String(decoding: PackageResources.roles_sql, as: UTF8.self)

    private init(version: Int, name: String, bytes: [UInt8]) {
        self.version = version
        self.name = name
        sql = String(decoding: bytes, as: UTF8.self)
    }
}

/// Applies the migrations a database lacks, each once, under an advisory lock so that two `init-db` runs at once
/// do not race.
package enum Migrator {
    /// Applies what is missing and returns the migrations applied now (empty when the schema was current).
    /// Throws when the database has a newer schema than this binary knows.
    package static func apply(on connection: Connection) throws(PostgresError) -> [Migration] {
        try connection.execute("SELECT pg_advisory_lock(hashtext('vaewatch:migrations'))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(hashtext('vaewatch:migrations'))") }
        let applied = try appliedVersions(on: connection)
        if let newest = applied.max(), let known = Migration.all.last?.version, newest > known {
            throw PostgresError(
                .configuration,
                message: "the database's vaewatch schema is at version \(newest), newer than this vaewatch knows "
                    + "(\(known)); upgrade vaewatch")
        }
        var done: [Migration] = []
        for migration in Migration.all where !applied.contains(migration.version) {
            do {
                try connection.executeScript(migration.sql)
            } catch {
                _ = try? connection.executeScript("ROLLBACK")
                throw PostgresError(
                    error.kind, sqlState: error.sqlState, message: "\(migration.name): \(error.message)",
                    detail: error.detail)
            }
            done.append(migration)
        }
        return done
    }

    /// The versions recorded in `vaewatch.schema_migrations`; empty when the table does not exist yet.
    package static func appliedVersions(on connection: Connection) throws(PostgresError) -> Set<Int> {
        let exists = try connection.execute("SELECT to_regclass('vaewatch.schema_migrations') IS NOT NULL")
        guard exists.text(0, 0) == "t" else { return [] }
        let rows = try connection.execute("SELECT version FROM vaewatch.schema_migrations")
        return Set((0..<rows.rowCount).compactMap { rows.text($0, 0).flatMap { Int($0) } })
    }
}
