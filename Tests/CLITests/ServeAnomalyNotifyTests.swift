import Foundation
import PostgresStore
import TestSupport
import Testing

/// Issue 22, item 2: `serve` with the PostgreSQL sink sends one `NOTIFY vaewatch_anomalies` per committed batch that
/// flagged records, in the batch's transaction: the keys match the flagged rows, a batch without flags sends none,
/// and a batch rolled back sends none (its retry sends the one notification).
@Suite("vaewatch serve (PostgreSQL): anomaly notifications")
struct ServeAnomalyNotifyTests {
    @Test("one notification per flagging batch, keys matching the flagged rows; none unflagged, none rolled back")
    func notifications() throws {
        let directory = try TestDirectory("anomaly-notify")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        // The first deletion of key 3,005's queued row fails once (a sequence is not rolled back): the batch that
        // holds it rolls back, and the daemon scores it again.
        try database.cluster.psql(
            """
            CREATE SEQUENCE public.trip;
            CREATE FUNCTION public.trip() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.source_id = '3005' AND nextval('public.trip') = 1 THEN
                    RAISE EXCEPTION 'planted failure after the verdicts were written';
                END IF;
                RETURN OLD;
            END $$;
            CREATE TRIGGER trip AFTER DELETE ON vaewatch.queue FOR EACH ROW EXECUTE FUNCTION public.trip();
            """, database: database.name)
        let listener = try Connection(ConnectionSettings(conninfo: database.conninfo))
        defer { listener.close() }
        try listener.execute("LISTEN vaewatch_anomalies")
        let fixture = try ServeFixture(
            "anomaly-notify",
            settings: try database.settings([("source.batch", "200"), ("training.every_records", "0")]))
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))

        // 4,000 normal rows with 40 planted anomalies (every 100th row, far off the data), in several inserts.
        var payloads: [String] = []
        for part in 0..<4 {
            let first = part * 1_000 + 1
            let features = (0..<8).map { column in
                let normal = "sin(i * 0.0137 * \(column + 1)) + cos(i * 0.0071 + \(column))"
                return column % 3 == 0 ? "CASE WHEN i % 100 = 5 THEN \(40 - 30 * column) ELSE \(normal) END" : normal
            }
            try database.cluster.psql(
                """
                INSERT INTO public.metrics SELECT i, \(features.joined(separator: ", "))
                FROM generate_series(\(first), \(first + 999)) i
                """, database: database.name)
            payloads += try listener.notifications(waitingUpTo: .milliseconds(200)).map(\.payload)
        }
        let drained = eventually(within: .seconds(30)) {
            payloads += (try? listener.notifications(waitingUpTo: .milliseconds(100)).map(\.payload)) ?? []
            return (try? database.queued()) == 0
        }
        #expect(drained, "\(daemon.errorText)")
        payloads += try listener.notifications(waitingUpTo: .seconds(1)).map(\.payload)

        let flagged = try database.cluster.psql(
            "SELECT source_id FROM vaewatch.scores WHERE is_anomaly ORDER BY 1", database: database.name
        ).split(separator: "\n").map(String.init)
        let batches = try database.cluster.psql(
            "SELECT count(DISTINCT (scored_at, scored_by)) FROM vaewatch.scores WHERE is_anomaly",
            database: database.name)
        let objects = try payloads.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)")
        }
        let keys = objects.flatMap { $0["keys"] as? [String] ?? [] }
        let counted = objects.reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
        #expect(flagged.count >= 40, "the planted anomalies are flagged: \(flagged.count)")
        #expect(payloads.count == Int(batches), "one notification per batch that flagged rows: \(payloads.count)")
        #expect(keys.sorted() == flagged, "the notifications name exactly the flagged rows, each once")
        #expect(counted == flagged.count)
        #expect(objects.allSatisfy { ($0["source"] as? String) == ServeDatabase.source })
        #expect(objects.allSatisfy { ($0["count"] as? Int ?? 0) > 0 })
        let tripped = try database.cluster.psql("SELECT last_value FROM public.trip", database: database.name)
        #expect((Int(tripped) ?? 0) >= 2, "the planted failure rolled a flagging batch back and it was retried")
        print(
            "anomaly notifications: \(payloads.count) for \(batches) flagging batches, \(keys.count) keys for "
                + "\(flagged.count) flagged rows; the planted rollback's batch announced once")
    }
}
