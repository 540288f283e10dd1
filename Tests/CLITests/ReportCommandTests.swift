import Foundation
import FoundationXML
import TestSupport
import Testing

/// `vaewatch report`, run as users run it: on the output of `vaewatch score` (JSON lines and CSV), on bad files, and
/// on vaewatch.scores in a real PostgreSQL.
@Suite("vaewatch report")
struct ReportCommandTests {
    /// The first `rows` records of the shared `synthetic_shift.csv` (../shared/data next to the repository), with its
    /// header; fails the test with a hint when the file is missing.
    static func shiftData(rows: Int) throws -> [UInt8] {
        let bytes = try readSharedData("synthetic_shift.csv", purpose: "the report tests")
        var newlines = 0
        let end = bytes.firstIndex { byte in
            if byte == 0x0A { newlines += 1 }
            return newlines == rows + 1
        }
        return Array(bytes[...(try #require(end))])
    }

    /// The success line of `report`: `vaewatch: wrote PATH: N records, F flagged (P%)…`; the flagged count.
    static func flaggedCount(in stderr: String, wrote path: String, records: String) throws -> Int {
        let prefix = "vaewatch: wrote \(path): \(records) records, "
        let line = try #require(stderr.split(separator: "\n").first { $0.hasPrefix(prefix) }, "\(stderr)")
        let flagged = line.dropFirst(prefix.count).prefix { $0 != " " }.filter { $0 != "," }
        return try #require(Int(flagged), "\(line)")
    }

    @Test("score --output jsonl, then report: a valid SVG with one marker per flagged record, as stderr counts them")
    func fromScoredFiles() throws {
        let directory = try TestDirectory("report")
        defer { directory.remove() }
        try directory.write(try Self.shiftData(rows: 3_000), to: "metrics.csv")
        let model = directory.file("m.vaew")
        let scored = try vaewatch(
            [
                "score", "--input", directory.file("metrics.csv"), "--ignore", "label", "--output", "jsonl",
                "--warmup", "1500", "--epochs", "30", "--save", model,
            ], in: directory)
        try #require(scored.status == 0, "\(scored.stderr)")
        try directory.write(Array(scored.stdout.utf8), to: "scored.jsonl")
        let anomalies = scored.lines.filter { $0.contains("\"anomaly\":true") }.count
        try #require(anomalies > 0, "the seeded data should hold flagged records")

        let out = directory.file("report.svg")
        let report = try vaewatch(["report", "--input", directory.file("scored.jsonl"), "--out", out], in: directory)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(try Self.flaggedCount(in: report.stderr, wrote: out, records: "3,000") == anomalies)
        #expect(report.stderr.hasSuffix(", model version 1\n"), "\(report.stderr)")
        let svg = try ReportSVG.parse(String(decoding: try directory.contents(of: "report.svg"), as: UTF8.self))
        #expect(svg.root == "svg")
        #expect(svg.markers == anomalies)
        #expect(svg.featureBars > 0, "JSON lines carry the features that explain the flags")
        #expect(!directory.entries().contains { $0.contains(".tmp-") }, "\(directory.entries())")

        // The CSV output of the same model: the same flags, no feature shares; the report goes to stdout.
        let csv = try vaewatch(
            ["score", "--input", directory.file("metrics.csv"), "--ignore", "label", "--model", model], in: directory)
        try #require(csv.status == 0, "\(csv.stderr)")
        let toStdout = try vaewatch(
            ["report", "--input", "-", "--format", "csv", "--out", "-"], input: Array(csv.stdout.utf8), in: directory)
        #expect(toStdout.status == 0, "\(toStdout.stderr)")
        #expect(
            try Self.flaggedCount(in: toStdout.stderr, wrote: "the report to standard output", records: "3,000")
                == anomalies)
        let fromCSV = try ReportSVG.parse(toStdout.stdout)
        #expect(fromCSV.markers == anomalies)
        #expect(fromCSV.featureBars == 0)
        #expect(fromCSV.text.contains("`vaewatch score --output jsonl`"))
    }

    @Test("a file that is not the output of vaewatch score exits 65 with file:line: field: reason")
    func badFiles() throws {
        let directory = try TestDirectory("report")
        defer { directory.remove() }
        try directory.write(
            Array("x,score,recon,kl,threshold,anomaly\n1,0.5,0.1,0.4,9,0\n2,abc,1,1,9,0\n".utf8), to: "bad.csv")
        let bad = try vaewatch(
            ["report", "--input", directory.file("bad.csv"), "--out", directory.file("r.svg")], in: directory)
        #expect(bad.status == 65)
        #expect(bad.stderr == "vaewatch: \(directory.file("bad.csv")):3: field 2 (score): not a number: \"abc\"\n")
        try directory.write(Array("{\"x0\":1}\n".utf8), to: "plain.jsonl")
        let plain = try vaewatch(["report", "--input", directory.file("plain.jsonl")], in: directory)
        #expect(plain.status == 65)
        #expect(plain.stderr.contains("plain.jsonl:1: no \"vaewatch\" key"), "\(plain.stderr)")
        #expect(!directory.entries().contains { $0.hasSuffix(".svg") }, "nothing written: \(directory.entries())")

        let missing = try vaewatch(["report", "--input", directory.file("none.csv")], in: directory)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("cannot open \(directory.file("none.csv")): No such file or directory"))
        let neither = try vaewatch(["report"], in: directory)
        #expect(neither.status == 64)
        #expect(neither.stderr.contains("give --input FILE"), "\(neither.stderr)")
        let both = try vaewatch(["report", "--input", "a.csv", "--database", ""], in: directory)
        #expect(both.status == 64)
        try directory.write(Array("score,threshold,anomaly\n1,2,0\n".utf8), to: "ok.csv")
        let unwritable = try vaewatch(
            ["report", "--input", directory.file("ok.csv"), "--out", directory.file("no/such/folder.svg")],
            in: directory)
        #expect(unwritable.status == 74)
        #expect(unwritable.stderr.contains("cannot write \(directory.file("no/such/folder.svg")): open("))
        #expect(unwritable.stderr.contains("No such file or directory"))
    }

    @Test("report from vaewatch.scores: the source's verdicts by time, --last, and the errors for unknown sources")
    func fromDatabase() throws {
        let cluster = try PostgresCluster.shared()
        let database = try cluster.createDatabase()
        let conninfo = cluster.conninfo(database: database)
        let directory = try TestDirectory("report")
        defer { directory.remove() }
        try cluster.psql("CREATE TABLE public.demo_metrics (id bigint PRIMARY KEY, cpu float8)", database: database)
        let initialized = try vaewatch(
            ["init-db", "--database", conninfo, "--source", "public.demo_metrics", "--key", "id"], in: directory)
        try #require(initialized.status == 0, "\(initialized.stderr)")
        try cluster.psql(
            """
            INSERT INTO vaewatch.scores (source, source_id, scored_at, score, recon, kl, threshold, is_anomaly,
                                         model_version, top_features)
            SELECT 'public.demo_metrics', i::text, timestamptz '2024-05-01 10:00:00+00' + i * interval '1 minute',
                   CASE WHEN i IN (50, 120, 290) THEN 40 + i ELSE 1 + (i % 7) * 0.5 END, 1, 0.5,
                   CASE WHEN i < 200 THEN 9.5 ELSE 12 END, i IN (50, 120, 290), CASE WHEN i < 200 THEN 1 ELSE 2 END,
                   CASE WHEN i IN (50, 120, 290)
                        THEN '[{"feature": "p95_ms", "share": 0.75}, {"feature": "cpu", "share": 0.25}]'::jsonb
                        ELSE '[]'::jsonb END
            FROM generate_series(1, 300) i
            """, database: database)

        let out = directory.file("db.svg")
        let all = try vaewatch(
            ["report", "--database", conninfo, "--source-name", "public.demo_metrics", "--out", out], in: directory)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stderr == "vaewatch: wrote \(out): 300 records, 3 flagged (1%), model versions 1–2\n")
        let svg = try ReportSVG.parse(String(decoding: try directory.contents(of: "db.svg"), as: UTF8.self))
        #expect(svg.markers == 3)
        #expect(svg.featureBars == 2)
        #expect(svg.text.contains("2024-05-01 10:01:00 – 15:00:00 UTC"), "\(svg.text)")
        #expect(svg.text.contains("time scored (UTC)"))

        let recent = try vaewatch(["report", "--database", conninfo, "--last", "100", "--out", "-"], in: directory)
        #expect(recent.status == 0, "\(recent.stderr)")
        #expect(recent.stderr.hasSuffix(": 100 records, 1 flagged (1%), model version 2\n"), "\(recent.stderr)")
        #expect(try ReportSVG.parse(recent.stdout).text.contains("Showing the most recent 100 of the 300 verdicts"))

        let unknown = try vaewatch(
            ["report", "--database", conninfo, "--source-name", "public.other", "--out", out], in: directory)
        #expect(unknown.status == 78)
        #expect(
            unknown.stderr.contains(
                "no verdicts of source public.other; the sources with verdicts are public.demo_metrics (300 rows)"),
            "\(unknown.stderr)")
        let unreachable = try vaewatch(
            ["report", "--database", "host=\(directory.path) port=5999 user=postgres connect_timeout=2"], in: directory)
        #expect(unreachable.status == 69)
        #expect(unreachable.stderr.contains("Check --database"), "\(unreachable.stderr)")
    }
}
