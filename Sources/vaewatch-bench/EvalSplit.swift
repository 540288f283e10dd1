// `vaewatch-bench eval-split --input FILE.csv --protocol semi|unsup --seed S --out-dir DIR`: the train/test split
// of the evaluation protocol (../shared/data/README.md), for scripts/eval.
//
// FILE.csv has a header, numeric features and a column `label` (0 normal, 1 anomaly). `semi` trains on a seeded
// random 60% (rounded down) of the label-0 rows and tests on every other row; `unsup` trains on a seeded random 60%
// of all rows and tests on the rest. DIR (created when missing) gets train.csv and test.csv: the header and their
// lines copied byte for byte, in file order. Prints `rows=R features=F anomalies=A train=N test=M` (F counts every
// column but `label`).

#if canImport(Glibc)
    import Glibc
#endif
internal import SystemIO

/// Which rows a split may train on.
enum EvalProtocol: String {
    /// Train on normal rows only.
    case semi
    /// Train on all rows, anomalies included.
    case unsup
}

/// The usage line of `eval-split`.
private let splitUsage = "vaewatch-bench eval-split --input FILE.csv --protocol semi|unsup --seed S --out-dir DIR"

/// Runs `vaewatch-bench eval-split` with the arguments after `eval-split`; returns the exit status.
func runEvalSplit(_ arguments: [String]) -> Int32 {
    runEvalCommand("eval-split") { () throws(EvalFailure) in
        let options = try EvalArguments(arguments, known: ["input", "protocol", "seed", "out-dir"], usage: splitUsage)
        guard let evalProtocol = EvalProtocol(rawValue: options["protocol"]) else {
            throw .usage("--protocol must be semi or unsup, got '\(options["protocol"])'; usage: \(splitUsage)")
        }
        guard let seed = UInt64(options["seed"]) else {
            throw .usage("--seed must be a whole number ≥ 0, got '\(options["seed"])'; usage: \(splitUsage)")
        }
        let table = try EvalTable(reading: options["input"])
        let labels = try evalLabels(of: table)
        let (train, test) = try evalSplit(labels: labels, protocol: evalProtocol, seed: seed, path: table.path)
        let directory = options["out-dir"]
        do throws(SystemCallError) {
            try SystemCalls.makeDirectory(directory, permissions: 0o755)
        } catch {
            throw .output("cannot create the folder \(directory): \(error.message)")
        }
        try writeEvalFile(evalLines(table, train), to: directory + "/train.csv")
        try writeEvalFile(evalLines(table, test), to: directory + "/test.csv")
        let anomalies = labels.filter { $0 }.count
        print(
            "rows=\(labels.count) features=\(table.columns.count - 1) anomalies=\(anomalies) train=\(train.count) "
                + "test=\(test.count)")
    }
}

/// The label of every row of `table`: true for an anomaly (1), false for a normal row (0).
func evalLabels(of table: EvalTable) throws(EvalFailure) -> [Bool] {
    guard let column = table.column("label") else {
        throw .data(
            "\(table.path):1: no `label` column in the header (\(table.columns.count) columns); the evaluation "
                + "needs a last column `label` with 0 for normal rows and 1 for anomalies")
    }
    var labels: [Bool] = []
    labels.reserveCapacity(table.rows.count)
    for row in table.rows {
        let text = EvalTable.text(try table.fields(of: row)[column])
        switch Double(text) {
        case 0?: labels.append(false)
        case 1?: labels.append(true)
        default:
            throw .data(
                "\(table.path):\(row.line): label is '\(text)'; a label must be 0 (normal) or 1 (anomaly): fix "
                    + "the file or leave the line out")
        }
    }
    return labels
}

/// The row indices of the training and the test part, each in file order.
func evalSplit(labels: [Bool], protocol evalProtocol: EvalProtocol, seed: UInt64, path: String)
    throws(EvalFailure) -> (train: [Int], test: [Int])
{
    let candidates = evalProtocol == .semi ? labels.indices.filter { !labels[$0] } : Array(labels.indices)
    let count = candidates.count * 3 / 5
    guard count >= 1, count < labels.count else {
        let kind = evalProtocol == .semi ? "normal rows" : "rows"
        throw .data(
            "\(path): \(candidates.count) \(kind) leave nothing to train or to test on; the split needs at least 2 "
                + "\(kind)")
    }
    var inTrain = [Bool](repeating: false, count: labels.count)
    for index in EvalShuffle.shuffled(candidates, seed: seed).prefix(count) { inTrain[index] = true }
    return (labels.indices.filter { inTrain[$0] }, labels.indices.filter { !inTrain[$0] })
}

/// The header and the rows `indices` of `table`, each followed by a line feed.
private func evalLines(_ table: EvalTable, _ indices: [Int]) -> [UInt8] {
    var bytes = Array(table.header) + [0x0A]
    for index in indices {
        bytes += table.rows[index].bytes
        bytes.append(0x0A)
    }
    return bytes
}
