import TestSupport
import Testing

/// Queue keys whose text depends on the session: the trigger queued a key as text in the *inserting* session's
/// DateStyle, TimeZone and extra_float_digits, and the daemon read it back in its own, so a row could get no
/// verdict, two, or stall the queue. Every row here must end with exactly one verdict, however its producer's
/// session was set, and after a `vaewatch backfill` too.
@Suite("vaewatch serve (PostgreSQL): keys of every type, producers in every session")
struct ServeKeyTypesTests {
    /// A key type and the key of row `i` (days past the 12th, fractions that need 17 digits).
    struct KeyCase: CustomTestStringConvertible, Sendable {
        let type: String
        let expression: String
        var testDescription: String { type }
    }

    static let cases = [
        KeyCase(
            type: "timestamptz", expression: "timestamptz '2030-01-13 00:00:00+00' + i * interval '1 day 1 hour 1.25 s'"
        ),
        KeyCase(type: "timestamp", expression: "timestamp '2030-01-13 00:00:00' + i * interval '1 day 1 minute 0.5 s'"),
        KeyCase(type: "numeric", expression: "i::numeric / 7"),
        KeyCase(type: "float8", expression: "i::float8 / 7 + 1e-9"),
        KeyCase(type: "text", expression: "'k-' || i"),
        KeyCase(type: "uuid", expression: "md5(i::text)::uuid"),
    ]

    /// The producers' sessions: the defaults, then DateStyles with the day first, odd time zones and short floats.
    static let sessions = [
        "",
        "SET datestyle = 'SQL, DMY'; SET timezone = 'Asia/Kolkata'; ",
        "SET datestyle = 'German, DMY'; SET timezone = 'America/St_Johns'; SET extra_float_digits = 0; ",
        "SET datestyle = 'Postgres, MDY'; SET timezone = 'Pacific/Chatham'; SET extra_float_digits = -3; ",
    ]

    @Test(
        "every key type: 200 rows from four sessions, then a backfill: each row one verdict, 0 lost, 0 dup",
        arguments: cases)
    func keyType(_ key: KeyCase) throws {
        let database = try KeyedDatabase(keyType: key.type)
        let fixture = try ServeFixture("keys-\(key.type)", settings: try database.settings())
        defer { fixture.remove() }
        let setUp = try database.run("init-db", in: fixture.directory)
        try #require(setUp.status == 0, "init-db: \(setUp.stderr)")
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        for (index, session) in Self.sessions.enumerated() {
            try database.insert(index * 50 + 1...index * 50 + 50, key: key.expression, session: session)
        }
        let drained = eventually(within: .seconds(30)) {
            (try? database.count("SELECT count(*) FROM vaewatch.queue")) == 0
                && (try? database.count("SELECT count(*) FROM vaewatch.scores")) == 200
        }
        let before = try database.audit()
        #expect(drained, "before the backfill: \(before)\n\(daemon.errorText)")
        let backfill = try database.run("backfill", in: fixture.directory)
        #expect(backfill.status == 0 && backfill.stdout.contains("queued 200 rows"), "\(backfill.stderr)")
        // The backfill's keys are scored again; each verdict replaces the row's own, never adds one.
        _ = eventually(within: .seconds(30)) { (try? database.count("SELECT count(*) FROM vaewatch.queue")) == 0 }
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let audit = try database.audit()
        print("key \(key.type): \(audit)")
        #expect(audit.exactlyOnce, "\(audit)\n\(daemon.errorText)")
    }

    @Test(
        "a queued key whose row was deleted, or that does not read as the key's type, is a dead letter with its reason")
    func absentKeys() throws {
        let key = Self.cases[0]
        let database = try KeyedDatabase(keyType: key.type)
        let fixture = try ServeFixture("keys-absent", settings: try database.settings())
        defer { fixture.remove() }
        let setUp = try database.run("init-db", in: fixture.directory)
        try #require(setUp.status == 0, "init-db: \(setUp.stderr)")
        try database.insert(1...100, key: key.expression)
        try database.cluster.psql(
            "DELETE FROM public.keyed WHERE k IN (SELECT k FROM public.keyed ORDER BY k LIMIT 10 OFFSET 40)",
            database: database.name)
        // A key queued before migration 004 could be any text: here one that reads as no timestamp at all.
        try database.cluster.psql(
            "INSERT INTO vaewatch.queue (source, source_id) VALUES ('public.keyed', '2030-13-45 00:00:00+00')",
            database: database.name)
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        let drained = eventually(within: .seconds(30)) {
            (try? database.count("SELECT count(*) FROM vaewatch.queue")) == 0
                && (try? database.count("SELECT count(*) FROM vaewatch.dead_letters")) == 11
        }
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let audit = try database.audit()
        #expect(drained, "\(audit)\n\(daemon.errorText)")
        #expect(audit.rows == 90 && audit.lost == 0 && audit.verdicts == 90 && audit.strays == 0, "\(audit)")
        let gone = try database.count(
            "SELECT count(*) FROM vaewatch.dead_letters WHERE stage = 'input' AND reason LIKE "
                + "'no row of public.keyed has key 2030-%: it was deleted after it was queued'")
        #expect(gone == 10)
        let unreadable = try database.cluster.psql(
            "SELECT reason FROM vaewatch.dead_letters WHERE source_id = '2030-13-45 00:00:00+00'",
            database: database.name)
        #expect(
            unreadable.hasPrefix(
                "the queued key 2030-13-45 00:00:00+00 does not read as timestamp with time zone"), "\(unreadable)")
    }
}
