// `vaewatch-bench eval-metrics --input SCORED.csv`: the figures of one evaluation run, for scripts/eval.
//
// SCORED.csv is what `vaewatch score` writes for a labelled CSV: the input columns, `label` among them, then
// score,recon,kl,threshold,anomaly. Prints one line:
//   auroc=A auprc=P precision=p recall=r flagged=N anomalies=M rows=R
// AUROC and AUPRC (average precision) rank the `score` column (`inf` ranks highest); precision and recall are the
// `anomaly` column's, the flags at the model's calibrated threshold. Precision is 0 when nothing is flagged;
// AUROC, AUPRC and recall are `nan` when the file holds no anomaly (AUROC and AUPRC also when it holds no normal
// row).

/// The usage line of `eval-metrics`.
private let metricsUsage = "vaewatch-bench eval-metrics --input SCORED.csv"

/// Runs `vaewatch-bench eval-metrics` with the arguments after `eval-metrics`; returns the exit status.
func runEvalMetrics(_ arguments: [String]) -> Int32 {
    runEvalCommand("eval-metrics") { () throws(EvalFailure) in
        let options = try EvalArguments(arguments, known: ["input"], usage: metricsUsage)
        let table = try EvalTable(reading: options["input"])
        let labels = try evalLabels(of: table)
        let (scores, flags) = try evalVerdicts(of: table)
        let anomalies = labels.filter { $0 }.count
        let flagged = flags.filter { $0 }.count
        let caught = zip(labels, flags).filter { $0 && $1 }.count
        let precision = flagged == 0 ? 0 : Double(caught) / Double(flagged)
        let recall = anomalies == 0 ? Double.nan : Double(caught) / Double(anomalies)
        let auroc = EvalRanking.auroc(scores: scores, labels: labels)
        let auprc = EvalRanking.averagePrecision(scores: scores, labels: labels)
        print(
            "auroc=\(auroc) auprc=\(auprc) precision=\(precision) recall=\(recall) flagged=\(flagged) "
                + "anomalies=\(anomalies) rows=\(labels.count)")
    }
}

/// The `score` and `anomaly` columns of a scored file (the last columns of those names).
private func evalVerdicts(of table: EvalTable) throws(EvalFailure) -> (scores: [Double], flags: [Bool]) {
    guard let scoreColumn = table.column("score", last: true), let flagColumn = table.column("anomaly", last: true)
    else {
        throw .data(
            "\(table.path):1: no `score` and `anomaly` columns in the header; give the output of "
                + "`vaewatch score --model MODEL --input TEST.csv --ignore label` (CSV)")
    }
    var scores: [Double] = []
    var flags: [Bool] = []
    for row in table.rows {
        let fields = try table.fields(of: row)
        let scoreText = EvalTable.text(fields[scoreColumn])
        guard let score = Double(scoreText), !score.isNaN, score != -.infinity else {
            throw .data(
                "\(table.path):\(row.line): score is '\(scoreText)'; expected a number or inf, as `vaewatch score` "
                    + "writes")
        }
        let flagText = EvalTable.text(fields[flagColumn])
        guard flagText == "0" || flagText == "1" else {
            throw .data(
                "\(table.path):\(row.line): anomaly is '\(flagText)'; expected 1 or 0, as `vaewatch score` writes")
        }
        scores.append(score)
        flags.append(flagText == "1")
    }
    return (scores, flags)
}
