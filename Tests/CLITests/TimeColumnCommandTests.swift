import TestSupport
import Testing

/// `--time-column` through the commands: `train` stores it in the model, `inspect` shows it, `score` refuses a model
/// and an input that disagree about it, a record without a valid time is a located reject, and `sample` draws at
/// times of the week.
@Suite("vaewatch --time-column: train, inspect, score, sample")
struct TimeColumnCommandTests {
    @Test("train stores the time column, inspect shows it, score and sample use it; mismatches are refused")
    func timeColumnThroughTheCommands() throws {
        let directory = try TestDirectory("time-column")
        defer { directory.remove() }
        let stream = DailyCycleStream(normalDays: 7, scoredDays: 0, seed: 5)
        try directory.write(Array(stream.csv.utf8), to: "week.csv")
        let week = directory.file("week.csv")
        let timed = directory.file("timed.vaew")
        let plain = directory.file("plain.vaew")
        let quick = ["--min-steps", "0", "--epochs", "3"]
        let trained = try vaewatch(
            ["train", "--input", week, "--ignore", "label", "--time-column", "ts", "--out", timed] + quick,
            in: directory)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stderr.contains("time of day and day of week from ts; saved to"), "\(trained.stderr)")
        let untimed = try vaewatch(
            ["train", "--input", week, "--ignore", "label,ts", "--out", plain] + quick, in: directory)
        #expect(untimed.status == 0, "\(untimed.stderr)")

        let shown = try vaewatch(["inspect", timed], in: directory).stdout
        #expect(shown.contains("network      6 + 4 time inputs → 64 → 32 → latent 8"), "\(shown)")
        #expect(
            shown.contains(
                "time         column ts: time of day and day of week (UTC) as inputs of the encoder and the decoder"),
            "\(shown)")
        #expect(
            try vaewatch(["inspect", plain], in: directory).stdout.contains(
                "time         none (the model does not know the time of a record)"))

        // The model trained with ts scores with it; a bad time is a located reject, and the other records go on.
        var lines = stream.csv.split(separator: "\n").prefix(6).map(String.init)
        lines[3] = "tomorrow" + lines[3].drop { $0 != "," }
        let input = Array((lines.joined(separator: "\n") + "\n").utf8)
        let scored = try vaewatch(
            ["score", "--model", timed, "--ignore", "label", "--time-column", "ts"], input: input, in: directory)
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(scored.lines.count == 5, "the header and four records")
        #expect(
            scored.stderr.contains(
                "vaewatch: <stdin>:4: field 1 (ts): not a time; write an ISO 8601 date and time "
                    + #"(2030-02-03T04:05:06Z) or seconds since 1970: "tomorrow""#), "\(scored.stderr)")

        // A model trained with ts refuses an input without it, and one trained without refuses it.
        let missing = try vaewatch(["score", "--model", timed, "--ignore", "label,ts"], input: input, in: directory)
        #expect(missing.status == 65)
        #expect(
            missing.stderr.contains(
                #"the model was trained with time column "ts" (its time of day and day of week are inputs of the "#
                    + "network), and the input names none; name it (--time-column ts"), "\(missing.stderr)")
        let refused = try vaewatch(
            ["score", "--model", plain, "--ignore", "label", "--time-column", "ts"], input: input, in: directory)
        #expect(refused.status == 65)
        #expect(
            refused.stderr.contains(#"the model was trained without a time column, so it cannot take "ts"'s time"#),
            "\(refused.stderr)")

        // sample draws at times spread over a week, written in the time column as seconds since 1970.
        let sampled = try vaewatch(["sample", timed, "-n", "4"], in: directory)
        #expect(sampled.status == 0, "\(sampled.stderr)")
        #expect(sampled.lines.first == "requests_s,cpu_pct,mem_pct,p95_ms,error_pct,queue_depth,ts")
        #expect(
            sampled.lines.dropFirst().map { $0.split(separator: ",").last } == ["345600", "496800", "648000", "799200"])
    }
}
