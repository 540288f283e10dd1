import TestSupport
import Testing

/// `vaewatch train --clean-rounds`: self-cleaning reaches the detector from the command line and says what it did.
@Suite("vaewatch train --clean-rounds")
struct TrainCleaningTests {
    @Test("two rounds of 20% set aside 900 - 576 records and say so; a fraction of 0.5 is refused (exit 64)")
    func cleaningRounds() throws {
        let directory = try TestDirectory("cli-clean")
        defer { directory.remove() }
        let input = Array(SyntheticStream(rows: 1_000, seed: 4).csv.utf8)
        let arguments = ["train", "--out", directory.file("m.vaew"), "--ignore", "label", "--epochs", "5"]
        // 100 records are held out for early stopping in every round; of the 900 learned from, 720 then 576 are kept.
        let cleaned = try vaewatch(
            arguments + ["--clean-rounds", "2", "--clean-fraction", "0.2"], input: input,
            in: directory)
        #expect(cleaned.status == 0, "\(cleaned.stderr)")
        #expect(
            cleaned.stderr.contains(
                "vaewatch: 2 cleaning rounds set aside the 324 highest-scoring training records (--clean-rounds 0 "
                    + "keeps every one)"), "\(cleaned.stderr)")
        let plain = try vaewatch(arguments, input: input, in: directory)
        #expect(plain.status == 0 && !plain.stderr.contains("cleaning rounds"), "\(plain.stderr)")
        let refused = try vaewatch(arguments + ["--clean-fraction", "0.5"], input: input, in: directory)
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("the cleaning fraction is 0.5"), "\(refused.stderr)")
    }
}
