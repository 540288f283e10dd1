import TestSupport
import Testing

/// `vaewatch report --time-column`: the verdicts of a database source drawn against the source table's own time
/// column, joined by key, and the refusals of a column that is not one.
@Suite("vaewatch report --time-column")
struct ReportTimeColumnTests {
    @Test("--time-column ts draws each verdict at its row's ts; a missing or non-time column exits 78 naming ts, day")
    func timeColumn() throws {
        let cluster = try PostgresCluster.shared()
        let database = try cluster.createDatabase()
        let conninfo = cluster.conninfo(database: database)
        let directory = try TestDirectory("report-time")
        defer { directory.remove() }
        try cluster.psql(
            """
            CREATE TABLE public.readings (id bigint PRIMARY KEY, ts timestamptz, day date, cpu float8);
            INSERT INTO public.readings
            SELECT i, timestamptz '2024-06-01 00:00:00+00' + i * interval '1 hour', date '2024-06-01', i % 5
            FROM generate_series(1, 300) i
            """, database: database)
        let initialized = try vaewatch(
            ["init-db", "--database", conninfo, "--source", "public.readings", "--key", "id"], in: directory)
        try #require(initialized.status == 0, "\(initialized.stderr)")
        // Scored a month later in three batches; the last row is deleted after it was scored.
        try cluster.psql(
            """
            INSERT INTO vaewatch.scores (source, source_id, scored_at, score, recon, kl, threshold, is_anomaly,
                                         model_version, top_features)
            SELECT source, i::text, timestamptz '2024-07-01 09:00:00+00' + (i / 100) * interval '1 second',
                   CASE WHEN i = 150 THEN 50 ELSE 1 END, 1, 0, 9.5, i = 150, 1,
                   CASE WHEN i = 150 THEN '[{"feature": "cpu", "share": 1}]'::jsonb ELSE '[]'::jsonb END
            FROM generate_series(1, 300) i, (VALUES ('public.readings'), ('public.elsewhere')) AS v (source);
            DELETE FROM public.readings WHERE id = 300
            """, database: database)

        let out = directory.file("ts.svg")
        let drawn = try vaewatch(
            [
                "report", "--database", conninfo, "--source-name", "public.readings", "--time-column", "ts",
                "--out", out,
            ], in: directory)
        #expect(drawn.status == 0, "\(drawn.stderr)")
        #expect(drawn.stderr == "vaewatch: wrote \(out): 299 records, 1 flagged (0.33%), model version 1\n")
        let svg = try ReportSVG.parse(String(decoding: try directory.contents(of: "ts.svg"), as: UTF8.self))
        #expect(svg.text.contains("2024-06-01 01:00:00 – 2024-06-13 11:00:00 UTC"), "\(svg.text)")
        #expect(svg.text.contains("ts of the scored rows (UTC)"), "\(svg.text)")
        #expect(!svg.text.contains("time scored"), "\(svg.text)")
        #expect(svg.text.contains("1 of the verdicts is left out: the row is gone from public.readings, or its ts is"))
        #expect(svg.markers == 1)

        let missing = try vaewatch(
            ["report", "--database", conninfo, "--source-name", "public.readings", "--time-column", "nope"],
            in: directory)
        #expect(missing.status == 78)
        #expect(
            missing.stderr.contains("public.readings has no column nope; its date/time columns are ts, day"),
            "\(missing.stderr)")
        let number = try vaewatch(
            ["report", "--database", conninfo, "--source-name", "public.readings", "--time-column", "cpu"],
            in: directory)
        #expect(number.status == 78)
        #expect(
            number.stderr.contains(
                "column cpu of public.readings has type double precision, not timestamptz, timestamp or date; its "
                    + "date/time columns are ts, day"), "\(number.stderr)")
        let notSetUp = try vaewatch(
            ["report", "--database", conninfo, "--source-name", "public.elsewhere", "--time-column", "ts"],
            in: directory)
        #expect(notSetUp.status == 78)
        #expect(notSetUp.stderr.contains("source public.elsewhere is not in vaewatch.sources"), "\(notSetUp.stderr)")
        #expect(!directory.entries().contains("vaewatch-report.svg"), "a refused report writes nothing")

        let fromFile = try vaewatch(["report", "--input", "scored.jsonl", "--time-column", "ts"], in: directory)
        #expect(fromFile.status == 64)
        #expect(fromFile.stderr.contains("--time-column goes with --database"), "\(fromFile.stderr)")
    }
}
