import TestSupport
import Testing

/// `vaewatch-bench eval-metrics`: AUROC, AUPRC (average precision) and the flag's precision and recall, on
/// hand-made scored CSVs whose figures are known.
@Suite struct EvalMetricsTests {
    /// Writes a scored CSV (a feature, `label`, then the columns `vaewatch score` adds) with one record per
    /// (label, score, flag) and returns `eval-metrics`' figures for it.
    static func figures(labels: [Int], scores: [String], flags: [Int]? = nil) throws -> [String: String] {
        let directory = try TestDirectory("eval-metrics")
        defer { directory.remove() }
        var text = "x,label,score,recon,kl,threshold,anomaly\n"
        for (index, (label, score)) in zip(labels, scores).enumerated() {
            text += "\(index),\(label),\(score),\(score),0,1.5,\(flags?[index] ?? 0)\n"
        }
        try directory.write(Array(text.utf8), to: "scored.csv")
        let result = try EvalTool.bench(["eval-metrics", "--input", directory.file("scored.csv")])
        try #require(result.succeeded, "\(result.ending): \(result.stderr)")
        return EvalTool.figures(result.stdout)
    }

    /// The figure `name` as a number; a failure when it is missing or not a number.
    static func number(_ figures: [String: String], _ name: String) throws -> Double {
        try #require(figures[name].flatMap(Double.init), "no number \(name) in \(figures)")
    }

    @Test("a perfect ranking scores 1 and a reversed one 0; +∞ ranks highest")
    func perfectAndReversed() throws {
        let perfect = try Self.figures(labels: [0, 0, 0, 1, 1], scores: ["1", "2", "3", "4", "inf"])
        print("eval-metrics perfect: \(perfect)")
        #expect(try Self.number(perfect, "auroc") == 1)
        #expect(try Self.number(perfect, "auprc") == 1)
        // The anomaly scoring +∞ is the highest, so it must not be taken for the lowest.
        let infinite = try Self.figures(labels: [0, 0, 1], scores: ["1e30", "5", "inf"])
        #expect(try Self.number(infinite, "auroc") == 1)

        let reversed = try Self.figures(labels: [1, 1, 0, 0, 0], scores: ["1", "2", "3", "4", "inf"])
        print("eval-metrics reversed: \(reversed)")
        #expect(try Self.number(reversed, "auroc") == 0)
        // Anomalies at ranks 4 and 5 from the top: (1/2)(1/4) + (1/2)(2/5).
        #expect(abs(try Self.number(reversed, "auprc") - 0.325) < 1e-12)
    }

    @Test("ties count half: equal scores give AUROC 0.5 and AUPRC the anomaly share")
    func ties() throws {
        let tied = try Self.figures(labels: [1, 0, 0, 1, 0], scores: ["2.5", "2.5", "2.5", "2.5", "2.5"])
        print("eval-metrics all tied: \(tied)")
        #expect(abs(try Self.number(tied, "auroc") - 0.5) < 1e-12)
        #expect(abs(try Self.number(tied, "auprc") - 0.4) < 1e-12)
        // One tie across the classes: AUROC (2 + 1.5) / 4; AP (1/2)·1 + (1/2)·(2/3) with the tie taken as one step.
        let partly = try Self.figures(labels: [1, 1, 0, 0], scores: ["0.8", "0.5", "0.5", "0.2"])
        #expect(abs(try Self.number(partly, "auroc") - 0.875) < 1e-12)
        #expect(abs(try Self.number(partly, "auprc") - 5.0 / 6) < 1e-12)
    }

    @Test("average precision matches hand computation and scikit-learn's documented example")
    func averagePrecision() throws {
        // From the top: hits at ranks 1, 3 and 5: AP = (1/3)(1/1 + 2/3 + 3/5); AUROC = (3 + 2 + 1) / 9.
        let hand = try Self.figures(
            labels: [1, 0, 1, 0, 1, 0], scores: ["0.9", "0.8", "0.7", "0.6", "0.5", "0.4"])
        print("eval-metrics hand-computed: \(hand)")
        #expect(abs(try Self.number(hand, "auprc") - (1.0 + 2.0 / 3 + 3.0 / 5) / 3) < 1e-12)
        #expect(abs(try Self.number(hand, "auroc") - 6.0 / 9) < 1e-12)
        // average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333 and roc_auc_score = 0.75 in
        // scikit-learn's documentation.
        let sklearn = try Self.figures(labels: [0, 0, 1, 1], scores: ["0.1", "0.4", "0.35", "0.8"])
        #expect(abs(try Self.number(sklearn, "auprc") - 5.0 / 6) < 1e-12)
        #expect(abs(try Self.number(sklearn, "auroc") - 0.75) < 1e-12)
    }

    @Test("precision and recall are the anomaly flag's against the label, with the counts")
    func precisionAndRecall() throws {
        let figures = try Self.figures(
            labels: [1, 1, 0, 0, 0, 1], scores: ["9", "1", "8", "2", "3", "7"], flags: [1, 0, 1, 0, 0, 1])
        print("eval-metrics flags: \(figures)")
        #expect(abs(try Self.number(figures, "precision") - 2.0 / 3) < 1e-12)
        #expect(abs(try Self.number(figures, "recall") - 2.0 / 3) < 1e-12)
        #expect(figures["flagged"] == "3" && figures["anomalies"] == "3" && figures["rows"] == "6", "\(figures)")
        let none = try Self.figures(labels: [1, 0], scores: ["2", "1"], flags: [0, 0])
        #expect(try Self.number(none, "precision") == 0, "nothing flagged: precision 0 (\(none))")
        #expect(try Self.number(none, "recall") == 0)
        let noAnomaly = try Self.figures(labels: [0, 0], scores: ["2", "1"])
        #expect(noAnomaly["auroc"] == "nan" && noAnomaly["recall"] == "nan", "\(noAnomaly)")
    }

    @Test("a file that is not a scored labelled CSV is refused with its place")
    func refusals() throws {
        let directory = try TestDirectory("eval-metrics")
        defer { directory.remove() }
        try directory.write(Array("x,label\n1,0\n".utf8), to: "unscored.csv")
        try directory.write(Array("x,label,score,anomaly\n1,0,2,0\n2,1,nan,1\n".utf8), to: "nan.csv")
        try directory.write(Array("x,label,score,anomaly\n1,0,2,yes\n".utf8), to: "flag.csv")
        for (name, place) in [
            ("unscored", ":1: no `score`"), ("nan", ":3: score is 'nan'"), ("flag", ":2: anomaly is"),
        ] {
            let result = try EvalTool.bench(["eval-metrics", "--input", directory.file(name + ".csv")])
            #expect(result.status == 65, "\(name): \(result.ending)")
            #expect(result.stderr.contains(directory.file(name + ".csv") + place), "\(name): \(result.stderr)")
        }
        let usage = try EvalTool.bench(["eval-metrics", "--file", "x.csv"])
        #expect(usage.status == 64 && usage.stderr.contains("usage: vaewatch-bench eval-metrics"), "\(usage.stderr)")
    }
}
