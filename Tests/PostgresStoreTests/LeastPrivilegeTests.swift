import Detector
import PostgresStore
import TestSupport
import Testing

/// `sql/roles.sql`: the daemon's group role is enough to run the pipeline's statements, and no more. Serialized:
/// roles are global to the cluster, and two `CREATE ROLE vaewatch_daemon` at once would race.
@Suite("PostgresStore: least-privilege role", .serialized)
struct LeastPrivilegeTests {
    /// A migrated database with roles.sql applied twice, table `public.metrics` (rows 1–10 and a NaN row 11)
    /// readable by vaewatch_daemon and carrying the queue trigger, and a connection as a new login role in the
    /// group.
    struct Setup {
        /// The database.
        let database: TestDatabase
        /// The login role's connection.
        let app: Connection
        /// The login role's name.
        let role: String
        /// `public.metrics` as the login role resolves it.
        let table: ResolvedSource

        /// Builds it all as the superuser, then connects as the login role.
        init() throws {
            database = try TestDatabase(migrated: true)
            let owner = try database.connect()
            try owner.executeScript(Migration.rolesScript)
            try owner.executeScript(Migration.rolesScript)
            role = "vw_app_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
            try owner.execute("CREATE ROLE \(identifier: role) LOGIN")
            try owner.execute("GRANT vaewatch_daemon TO \(identifier: role)")
            try owner.execute("CREATE TABLE public.metrics (id bigint PRIMARY KEY, a float8, b float8)")
            try owner.execute("GRANT SELECT ON public.metrics TO vaewatch_daemon")
            let ownerView = try ResolvedSource.resolve(
                SourceTable(table: QualifiedName(parsing: "metrics"), key: "id"), on: owner)
            try QueueSource.installTrigger(ownerView, on: owner)
            try owner.execute("INSERT INTO public.metrics SELECT g, g * 0.5, g * 2 FROM generate_series(1, 10) g")
            try owner.execute("INSERT INTO public.metrics VALUES (11, 'NaN', 0)")
            app = try database.connect(database.settings(" user=\(role)"))
            table = try ResolvedSource.resolve(
                SourceTable(table: QualifiedName(parsing: "metrics"), key: "id"), on: app)
        }
    }

    @Test("roles.sql applies twice; the daemon role runs a watermark batch, saves a model and logs a retrain")
    func daemonRoleRunsWatermarkBatch() throws {
        let setup = try Setup()
        let app = setup.app
        #expect(try app.execute("SELECT current_user").text(0, 0) == setup.role)
        // Watermark mode serves a table without the trigger (SourceSetup.check refuses it otherwise).
        _ = try setup.database.psql("DROP TRIGGER vaewatch_enqueue ON public.metrics")
        let watermark = WatermarkSource(table: setup.table)
        let sink = VerdictSink(source: setup.table.name)
        try watermark.prepare(app)
        try sink.prepare(app)
        // Rows show only below the cluster-wide snapshot xmin, which open transactions of other tests on the
        // shared cluster hold back for a moment: claim until all 11 rows are visible.
        var claims: [SourceBatch] = []
        _ = try eventually(within: .seconds(10)) {
            try app.execute("BEGIN")
            claims.append(try watermark.claim(app, limit: 20))
            if claims.last?.claimed == 11 { return true }
            try app.execute("ROLLBACK")
            return false
        }
        let page = try #require(claims.last { $0.claimed == 11 }, "visible: \(claims.map(\.claimed))")
        #expect(page.records.count == 10 && page.rejected.map(\.key) == ["11"])
        let report = try sink.write(app, keys: page.records.keys, rejected: page.rejected) {
            sampleVerdicts(count: page.records.count)
        }
        watermark.advance(app, past: page)
        #expect(try app.execute("COMMIT").commandTag == "COMMIT")
        #expect(report.written == 10 && report.unscorable.count == 1)
        #expect(try setup.database.psql("SELECT count(*) FROM vaewatch.scores") == "10")
        #expect(try setup.database.psql("SELECT count(*) FROM vaewatch.dead_letters WHERE stage = 'input'") == "1")
        #expect(try setup.database.psql("SELECT last_key FROM vaewatch.watermarks") == "11")

        _ = try ModelRegistry.store(source: setup.table.name, wanted: 1, metrics: "{}", on: app) { _ in [1, 2, 3] }
        #expect(try ModelRegistry.newestActive(source: setup.table.name, on: app)?.bytes == [1, 2, 3])
        try app.execute(
            """
            INSERT INTO vaewatch.retrains (source, started_at, reason, records, outcome)
            VALUES ('x', now(), 'test', 0, 'ok')
            """)
        #expect(try QueueSource.backfill(setup.table, after: "8", on: app) == 3, "backfill enqueues as the daemon")
    }

    /// `QueueSource.claim` locks queue rows with `FOR UPDATE SKIP LOCKED`, which needs UPDATE privilege on
    /// vaewatch.queue (without it the claim fails with 42501 "permission denied for table queue").
    @Test("the daemon role runs a queue-mode batch (claims need UPDATE on vaewatch.queue for FOR UPDATE)")
    func daemonRoleRunsQueueBatch() throws {
        let setup = try Setup()
        let app = setup.app
        let queue = QueueSource(table: setup.table)
        let sink = VerdictSink(source: setup.table.name)
        try queue.prepare(app)
        try sink.prepare(app)
        try app.execute("BEGIN")
        let batch = try queue.claim(app, limit: 100)
        #expect(batch.records.count == 10 && batch.rejected.map(\.key) == ["11"])
        let report = try sink.write(app, keys: batch.records.keys, rejected: batch.rejected) {
            sampleVerdicts(count: batch.records.count)
        }
        queue.advance(app, past: batch)
        #expect(try app.execute("COMMIT").commandTag == "COMMIT")
        #expect(report.written == 10 && report.unscorable.count == 1)
        #expect(try setup.database.psql("SELECT count(*) FROM vaewatch.scores") == "10")
        #expect(try setup.database.psql("SELECT count(*) FROM vaewatch.queue") == "0")
    }

    @Test("the daemon role cannot change the schema, delete verdicts or write the source")
    func daemonRoleIsLimited() throws {
        let setup = try Setup()
        let forbidden: [Query] = [
            "CREATE TABLE vaewatch.evil (x int)", "DROP TABLE vaewatch.scores", "DELETE FROM vaewatch.scores",
            "DELETE FROM vaewatch.dead_letters", "INSERT INTO public.metrics VALUES (100, 1, 1)",
            "ALTER TABLE vaewatch.scores ADD COLUMN x int", "TRUNCATE vaewatch.queue",
            "SELECT vaewatch.install_trigger('public.metrics'::regclass, 'id', 'x')",
        ]
        for statement in forbidden {
            let error = try #require(postgresError { try setup.app.execute(statement) })
            #expect(error.kind == .statement && error.sqlState?.code == "42501", "\(error)")
        }
        #expect(try setup.app.execute("SELECT count(*) FROM vaewatch.anomalies").text(0, 0) == "0")
    }
}
