import Compute
import PostgresStore
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// ``Migrator`` and the numbered files of `sql/`: applied once, the same as by hand with psql, refused when newer.
@Suite("PostgresStore: migrations")
struct MigrationTests {
    /// The repository's `sql/` folder.
    static let sqlDirectory = repositoryRoot() + "/sql"

    /// Everything migrations create in schema vaewatch, one sorted line per object, column, constraint, index,
    /// function and view, plus the recorded migrations (without their times).
    static func fingerprint(_ connection: Connection) throws -> String {
        let result = try connection.execute(
            """
            SELECT coalesce(string_agg(line, E'\\n' ORDER BY line), '') FROM (
                SELECT 'relation ' || c.relname || ' ' || c.relkind::text
                FROM pg_class c WHERE c.relnamespace = 'vaewatch'::regnamespace
              UNION ALL
                SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE c.relnamespace = 'vaewatch'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
              UNION ALL
                SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
                FROM pg_constraint WHERE connamespace = 'vaewatch'::regnamespace
              UNION ALL
                SELECT 'index ' || pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE c.relnamespace = 'vaewatch'::regnamespace
              UNION ALL
                SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
                       || p.prosecdef || ' ' || coalesce(array_to_string(p.proconfig, ','), '') || ' ' || md5(p.prosrc)
                FROM pg_proc p WHERE p.pronamespace = 'vaewatch'::regnamespace
              UNION ALL
                SELECT 'view ' || c.relname || ' ' || md5(pg_get_viewdef(c.oid))
                FROM pg_class c WHERE c.relnamespace = 'vaewatch'::regnamespace AND c.relkind = 'v'
              UNION ALL
                SELECT 'migration ' || version || ' ' || name FROM vaewatch.schema_migrations
            ) f(line)
            """)
        return result.text(0, 0) ?? ""
    }

    /// The recorded migrations with their times, to show that a later run rewrote nothing.
    static func migrationLog(_ connection: Connection) throws -> String? {
        try connection.execute(
            "SELECT string_agg(version || ' ' || name || ' ' || applied_at, ', ' ORDER BY version) "
                + "FROM vaewatch.schema_migrations"
        ).text(0, 0)
    }

    @Test("a fresh database gets 001 to 006; a second run applies nothing and changes nothing")
    func appliesOnce() throws {
        let connection = try TestDatabase().connect()
        #expect(try Migrator.appliedVersions(on: connection).isEmpty)
        let (result, elapsed) = timed { try Migrator.apply(on: connection) }
        print("Migrator.apply on a fresh database: \(elapsed) s")
        #expect(
            try result.get().map(\.name) == [
                "001_scores.sql", "002_queue.sql", "003_state.sql", "004_sources.sql", "005_latent.sql",
                "006_instances.sql",
            ])
        #expect(try Migrator.appliedVersions(on: connection) == [1, 2, 3, 4, 5, 6])
        let fingerprint = try Self.fingerprint(connection)
        let log = try Self.migrationLog(connection)
        #expect(fingerprint.contains("relation scores r") && fingerprint.contains("function enqueue()"))
        #expect(fingerprint.contains("view anomalies") && fingerprint.contains("migration 5 005_latent.sql"))
        #expect(fingerprint.contains("column scores.latent real[]"), "005 adds a nullable latent column")
        #expect(fingerprint.contains("migration 6 006_instances.sql"))
        #expect(fingerprint.contains("column scores.scored_by text"), "006 names each verdict's writer")
        #expect(fingerprint.contains("column retrains.instance text"), "006 names each retrain's trainer")
        #expect(fingerprint.contains("column anomalies.latent real[]"), "and shows it in the anomalies view")

        #expect(try Migrator.apply(on: connection).isEmpty)
        #expect(try Self.fingerprint(connection) == fingerprint)
        #expect(try Self.migrationLog(connection) == log)
        #expect(try connection.execute("SELECT count(*) FROM vaewatch.schema_migrations").text(0, 0) == "6")
        let lock = try connection.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        #expect(lock.text(0, 0) == "0", "the migration lock is released")
    }

    @Test("psql -f of each file gives the same catalog as Migrator, which then applies nothing")
    func psqlByHandMatches() throws {
        let reference = try TestDatabase(migrated: true)
        let expected = try Self.fingerprint(try reference.connect())

        let byHand = try TestDatabase()
        let cluster = byHand.cluster
        for migration in Migration.all {
            let result = try SpawnedProcess.run(
                [
                    cluster.binDirectory + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", cluster.socketDirectory,
                    "-p", String(cluster.port), "-U", "postgres", "-d", byHand.name, "-f",
                    Self.sqlDirectory + "/" + migration.name,
                ], environment: SpawnedProcess.environment(removingPrefixes: ["PG"]))
            #expect(result.succeeded, "psql -f \(migration.name): \(result.ending): \(result.stderr)")
        }
        let connection = try byHand.connect()
        #expect(try Self.fingerprint(connection) == expected)
        #expect(try Migrator.apply(on: connection).isEmpty)
    }

    @Test("Migration.all names exactly the numbered files in sql/, in order, with their contents")
    func embeddedFilesMatchDirectory() throws {
        let names = try #require(directoryEntries(Self.sqlDirectory), "opendir \(Self.sqlDirectory): errno \(errno)")
        var numbered = names.filter { name in
            let characters = Array(name)
            return characters.count > 8 && characters[0..<3].allSatisfy(\.isASCII)
                && characters[0..<3].allSatisfy(\.isNumber) && characters[3] == "_" && name.hasSuffix(".sql")
        }
        numbered.sort()
        #expect(!numbered.isEmpty)
        #expect(Migration.all.map(\.name) == numbered)
        for (index, migration) in Migration.all.enumerated() {
            #expect(migration.version == index + 1)
            #expect(migration.version == Int(migration.name.prefix(3)))
            let file = String(decoding: try readFile(Self.sqlDirectory + "/" + migration.name), as: UTF8.self)
            #expect(migration.sql == file, "\(migration.name) is embedded as it is on disk")
        }
        #expect(
            Migration.rolesScript == String(decoding: try readFile(Self.sqlDirectory + "/roles.sql"), as: UTF8.self))
    }

    @Test("a schema newer than this vaewatch is refused with a configuration error that says to upgrade")
    func newerSchemaRefused() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        try connection.execute("INSERT INTO vaewatch.schema_migrations (version, name) VALUES (99, '099_future.sql')")
        let error = try #require(postgresError { try Migrator.apply(on: connection) })
        print("newer schema: \(error)")
        #expect(error.kind == .configuration)
        #expect(error.message.contains("99") && error.message.contains("upgrade vaewatch"))
        let other = try database.connect()
        #expect(
            try other.execute("SELECT pg_try_advisory_lock(hashtext('vaewatch:migrations'))").text(0, 0) == "t",
            "the refused run released the migration lock")
    }

    @Test("a failing migration is rolled back, reported by file name, and the next run resumes")
    func failingMigrationRollsBack() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        // A view where 002 creates a table: CREATE TABLE IF NOT EXISTS skips it and CREATE INDEX then fails.
        try connection.execute("CREATE SCHEMA vaewatch")
        try connection.execute("CREATE VIEW vaewatch.queue AS SELECT 1 AS id, 'a'::text AS source")
        let error = try #require(postgresError { try Migrator.apply(on: connection) })
        print("failing migration: \(error)")
        #expect(error.kind == .statement && error.message.hasPrefix("002_queue.sql: "))
        #expect(connection.isOpen)
        #expect(try Migrator.appliedVersions(on: connection) == [1], "001 stays applied, 002 rolled back whole")
        #expect(try connection.execute("SELECT to_regprocedure('vaewatch.enqueue()') IS NULL").text(0, 0) == "t")
        try connection.execute("DROP VIEW vaewatch.queue")
        #expect(try Migrator.apply(on: connection).map(\.version) == [2, 3, 4, 5, 6])
    }

    @Test("two Migrator runs at once apply each file exactly once")
    func concurrentRunsSerialize() throws {
        let database = try TestDatabase()
        let settings = database.settings()
        let outcomes = Collected()
        let threads = (0..<2).map { _ in
            BackgroundThread {
                do {
                    let connection = try Connection(settings)
                    let names = try Migrator.apply(on: connection).map(\.name)
                    outcomes.items.withLock { $0 += names }
                } catch {
                    outcomes.items.withLock { $0.append("error: \(error)") }
                }
            }
        }
        for thread in threads { thread.join() }
        #expect(
            outcomes.items.withLock { $0.sorted() } == [
                "001_scores.sql", "002_queue.sql", "003_state.sql", "004_sources.sql", "005_latent.sql",
                "006_instances.sql",
            ])
    }

    @Test("004 reinstalls per row the trigger 002 put on a partitioned table, so rows sent to a partition are queued")
    func partitionedTriggerUpgraded() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        for migration in Migration.all.prefix(3) { try connection.executeScript(migration.sql) }
        try connection.executeScript(
            """
            CREATE TABLE public.m (id bigint PRIMARY KEY, x float8) PARTITION BY RANGE (id);
            CREATE TABLE public.m_a PARTITION OF public.m FOR VALUES FROM (1) TO (100);
            SELECT vaewatch.install_trigger('public.m', 'id', 'public.m');
            INSERT INTO public.m_a VALUES (1, 0.5);
            """)
        #expect(try connection.execute("SELECT count(*) FROM vaewatch.queue").text(0, 0) == "0", "002's trigger")
        #expect(try Migrator.apply(on: connection).map(\.version) == [4, 5, 6])
        try connection.execute("INSERT INTO public.m_a VALUES (2, 0.25)")
        try connection.execute("INSERT INTO public.m VALUES (3, 0.125)")
        let queued = try connection.execute(
            "SELECT string_agg(source || ' ' || source_id, ', ' ORDER BY id) FROM vaewatch.queue")
        #expect(queued.text(0, 0) == "public.m 2, public.m 3")
    }
}
