import TestSupport
import Testing

/// Issue 22, item 3 in PostgreSQL mode: `source.time_column` names a `timestamptz` column of the table, whose time of
/// day and day of week the model takes as inputs. Warm-up learns a model with it, every row with a time is scored, a
/// row without one is a dead letter with the reason, and a model trained without it is refused, with the reason.
@Suite("vaewatch serve (PostgreSQL): source.time_column")
struct ServeTimeColumnTests {
    @Test(
        "warm-up learns with the time column; rows without a time are dead letters; a model without it is refused",
        arguments: ["queue", "watermark"])
    func timeColumnInPostgres(mode: String) throws {
        let directory = try TestDirectory("serve-time")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory, mode: mode)
        try database.cluster.psql("ALTER TABLE public.metrics ADD COLUMN ts timestamptz", database: database.name)
        try database.insert(from: 1, count: 400)
        try database.cluster.psql(
            """
            UPDATE public.metrics SET ts = timestamptz '2030-01-07 00:00:00+00' + id * interval '5 minutes';
            UPDATE public.metrics SET ts = NULL WHERE id = 350;
            UPDATE public.metrics SET ts = 'infinity' WHERE id = 360
            """, database: database.name)

        // A model trained without a time column cannot serve a source that names one: exit 78, with the reason.
        let plain = try ServeFixture(
            "time-plain", settings: try database.settings([("source.mode", mode), ("source.time_column", "ts")]))
        defer { plain.remove() }
        let refused = try plain.start()
        defer { _ = refused.kill() }
        #expect(eventually(within: .seconds(15)) { refused.termination != nil }, "\(refused.errorText)")
        #expect(refused.termination?.status == 78, "\(refused.errorText)")
        #expect(
            refused.errorText.contains(#"the model was trained without a time column, so it cannot take "ts"'s time"#),
            "\(refused.errorText)")
        #expect(try database.scored() == 0)

        // Without a model, warm-up learns one with the time column from the table's newest rows.
        let timed = try ServeFixture(
            "time-warm-up",
            settings: try database.settings([
                ("source.mode", mode), ("source.time_column", "ts"), ("model.path", "\"\""), ("training.warmup", "300"),
                ("model.min_steps", "0"), ("training.epochs", "5"),
            ]))
        defer { timed.remove() }
        let daemon = try timed.start()
        defer { _ = daemon.kill() }
        try timed.awaitReady(daemon, within: .seconds(30))
        #expect(
            eventually(within: .seconds(60)) { (try? database.scored()) == 398 }, "\(daemon.errorText)")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let audit = try database.audit()
        #expect(audit.lost == 2 && audit.duplicated == 0 && audit.strays == 0 && audit.deadLetters == 2)
        let reasons = try database.cluster.psql(
            "SELECT source_id || ': ' || reason FROM vaewatch.dead_letters ORDER BY source_id", database: database.name)
        #expect(
            reasons
                == "350: column ts: no time (NULL); every row needs its time, whose time of day and day of week are "
                + "inputs of the model\n360: column ts: no time (inf); every row needs its time, whose time of day "
                + "and day of week are inputs of the model", "\(reasons)")
        let checkpoint = try #require(directoryEntries(timed.stateDirectory + "/checkpoints")?.sorted().last)
        let shown = try vaewatch(["inspect", timed.stateDirectory + "/checkpoints/" + checkpoint], in: directory)
        #expect(shown.stdout.contains("time         column ts: time of day and day of week (UTC)"), "\(shown.stdout)")
        #expect(shown.stdout.contains("network      8 + 4 time inputs →"), "\(shown.stdout)")
    }
}
