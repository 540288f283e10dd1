import TestSupport
import Testing

/// What `init-db` accepts as a source, and what it refuses: keys that are not unique, a set-up changed under the
/// daemons' feet, partitioned tables, and several runs at once.
@Suite("vaewatch init-db: keys, set-ups, partitions, concurrency")
struct InitDBSourceTests {
    static let features = (0..<8).map { "x\($0) float8" }.joined(separator: ", ")

    @Test("a key that is not unique alone is refused by init-db and serve (exit 78), and no trigger is installed")
    func keyNotUnique() throws {
        let database = try KeyedDatabase(
            key: "k1", create: "CREATE TABLE public.keyed (k1 int, k2 int, \(Self.features), PRIMARY KEY (k1, k2))")
        let fixture = try ServeFixture("initdb-unique", settings: try database.settings())
        defer { fixture.remove() }
        let refused = try database.run("init-db", in: fixture.directory)
        #expect(refused.status == 78, "\(refused.stdout)\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "key column k1 of public.keyed has no unique index of its own, so two rows could share a key"),
            "\(refused.stderr)")
        #expect(try database.count("SELECT count(*) FROM pg_trigger WHERE tgname = 'vaewatch_enqueue'") == 0)
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        _ = eventually(within: .seconds(15)) { daemon.termination != nil }
        #expect(daemon.termination?.status == 78, "\(daemon.errorText)")
        #expect(daemon.errorText.contains("has no unique index of its own"), "\(daemon.errorText)")
        // A unique constraint on the column alone is enough.
        try database.cluster.psql("ALTER TABLE public.keyed ADD UNIQUE (k1)", database: database.name)
        let accepted = try database.run("init-db", in: fixture.directory)
        #expect(accepted.status == 0, "\(accepted.stderr)")
    }

    @Test(
        "init-db again with another key or other columns is refused with what is set up now; --reconfigure replaces it")
    func changedSetUp() throws {
        let database = try KeyedDatabase(
            create: "CREATE TABLE public.keyed (k bigint PRIMARY KEY, uid bigint UNIQUE, \(Self.features))")
        let directory = try TestDirectory("initdb-setup")
        defer { directory.remove() }
        let first = try database.run("init-db", ["--columns", "x0,x1,x2"], in: directory)
        try #require(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("applied 004_sources.sql"), "\(first.stdout)")
        let same = try database.run("init-db", ["--columns", "x0,x1,x2"], in: directory)
        #expect(same.status == 0, "\(same.stderr)")
        try database.insert(1...5, key: "i, i")
        #expect(try database.count("SELECT count(*) FROM vaewatch.queue") == 5)

        let otherKey = try vaewatch(
            [
                "init-db", "--database", database.conninfo, "--source", "public.keyed", "--key", "uid", "--columns",
                "x0,x1,x2",
            ], in: directory)
        #expect(otherKey.status == 78, "\(otherKey.stdout)\(otherKey.stderr)")
        #expect(
            otherKey.stderr.contains(
                "source public.keyed is set up (since 2"), "\(otherKey.stderr)")
        #expect(
            otherKey.stderr.contains(
                "on public.keyed with key k and columns x0, x1, x2; this run asks for public.keyed with key uid and "
                    + "columns x0, x1, x2"), "\(otherKey.stderr)")
        let otherColumns = try database.run("init-db", ["--columns", "x0,x1"], in: directory)
        #expect(otherColumns.status == 78, "\(otherColumns.stderr)")
        #expect(otherColumns.stderr.contains("with key k and columns x0, x1"), "\(otherColumns.stderr)")
        // Refused runs changed nothing: the trigger still queues key k, the queue kept its keys.
        #expect(
            try database.count(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'vaewatch_enqueue' AND get_byte(tgargs, 0) = 107 "
                    + "AND get_byte(tgargs, 1) = 0")
                == 1)
        #expect(try database.count("SELECT count(*) FROM vaewatch.queue") == 5)

        let replaced = try database.run("init-db", ["--columns", "x0,x1", "--reconfigure"], in: directory)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try database.count("SELECT count(*) FROM vaewatch.queue") == 0)
        #expect(
            try database.cluster.psql(
                "SELECT key_column, array_to_string(columns, ','), mode FROM vaewatch.sources", database: database.name)
                == "k|x0,x1|queue")
    }

    @Test(
        "a partitioned table: rows inserted through the parent, straight into a partition, or into one attached later are all scored once"
    )
    func partitioned() throws {
        let database = try KeyedDatabase(
            create: """
                CREATE TABLE public.keyed (k bigint PRIMARY KEY, \(Self.features)) PARTITION BY RANGE (k);
                CREATE TABLE public.keyed_a PARTITION OF public.keyed FOR VALUES FROM (1) TO (1001);
                CREATE TABLE public.keyed_b PARTITION OF public.keyed FOR VALUES FROM (1001) TO (2001);
                """)
        let fixture = try ServeFixture("initdb-parted", settings: try database.settings([("source.batch", "500")]))
        defer { fixture.remove() }
        let setUp = try database.run("init-db", in: fixture.directory)
        try #require(setUp.status == 0, "init-db: \(setUp.stderr)")
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        try database.insert(1...1100, key: "i")
        let partition = KeyedDatabase(copying: database, table: "public.keyed_b")
        try partition.insert(1101...1200, key: "i")
        try database.cluster.psql(
            """
            CREATE TABLE public.keyed_c (LIKE public.keyed);
            ALTER TABLE public.keyed ATTACH PARTITION public.keyed_c FOR VALUES FROM (2001) TO (3001);
            """, database: database.name)
        try KeyedDatabase(copying: database, table: "public.keyed_c").insert(2001...2100, key: "i")
        let drained = eventually(within: .seconds(30)) {
            (try? database.count("SELECT count(*) FROM vaewatch.scores")) == 1300
        }
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let audit = try database.audit()
        #expect(drained, "\(audit)")
        #expect(audit.exactlyOnce && audit.rows == 1300, "\(audit)")
    }

    @Test("four init-db runs at once, five rounds on fresh databases: every run exits 0, one trigger, one set-up")
    func concurrent() throws {
        let directory = try TestDirectory("initdb-race")
        defer { directory.remove() }
        for round in 0..<5 {
            let database = try KeyedDatabase(keyType: "bigint")
            let children = try (0..<4).map { index in
                try Child(
                    ["init-db", "--database", database.conninfo, "--source", "public.keyed", "--key", "k"],
                    stdin: .file("/dev/null"), stdout: .file(directory.file("r\(round)-\(index).out")),
                    stderr: (directory, "r\(round)-\(index).err"))
            }
            for child in children {
                let (status, _) = child.wait()
                #expect(status == 0, "round \(round): \(child.errors)")
            }
            #expect(try database.count("SELECT count(*) FROM pg_trigger WHERE tgname = 'vaewatch_enqueue'") == 1)
            #expect(try database.count("SELECT count(*) FROM vaewatch.sources") == 1)
            #expect(try database.count("SELECT count(*) FROM vaewatch.schema_migrations") == 6)
        }
    }
}

extension KeyedDatabase {
    /// The same database, another table in it (a partition, say).
    init(copying other: KeyedDatabase, table: String) {
        self.init(cluster: other.cluster, name: other.name, table: table, key: other.key)
    }
}
