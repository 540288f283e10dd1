import TestSupport
import Testing

/// The summary lines say "1 record", "1 line rejected": one noun in the singular for one (issue 19, item 9).
@Suite("vaewatch score and train: counts of one in the singular")
struct SummaryPluralTests {
    @Test("score: 1 record, 1 line rejected, 1 blank line skipped; train: 1 epoch")
    func countsOfOne() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let input = [TrainedModel.header, TrainedModel.goodLine, "", "1,2"].joined(separator: "\n") + "\n"
        let scored = try vaewatch(["score", "--model", model], input: Array(input.utf8), in: directory)
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(
            scored.stderr.contains(
                "vaewatch: scored 1 record, 0 anomalies (0.0%), 1 line rejected, 1 blank line skipped,"),
            "\(scored.stderr)")
        let learned = try vaewatch(
            ["score", "--warmup", "1", "--epochs", "1"],
            input: Array((TrainedModel.header + "\n" + TrainedModel.goodLine + "\n").utf8), in: directory)
        #expect(learned.status == 0, "\(learned.stderr)")
        #expect(learned.stderr.contains("learning from the first 1 record\n"), "\(learned.stderr)")
        #expect(learned.stderr.contains("learned from 1 record in"), "\(learned.stderr)")
        let rows = SyntheticStream(rows: 200, seed: 3, labelColumn: false).csv + "1,2\n"
        let trained = try vaewatch(
            ["train", "--out", directory.file("one.vaew"), "--epochs", "1"], input: Array(rows.utf8), in: directory)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stderr.contains(", 1 line rejected in "), "\(trained.stderr)")
        #expect(trained.stderr.contains(" s: 1 epoch (best 1)"), "\(trained.stderr)")
    }
}
