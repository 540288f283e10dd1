import Glibc
import TestSupport
import Testing

/// `scripts/eval` end to end on a tiny folder, with the debug `vaewatch` and `vaewatch-bench` (VAEWATCH_BIN_DIR, so
/// nothing is built) and a short training run.
@Suite struct EvalScriptTests {
    /// `scripts/eval` in this checkout.
    static var script: String { repositoryRoot() + "/scripts/eval" }

    /// A labelled CSV of `rows` records of 4 correlated features, every 15th an anomaly shifted by 8 in each
    /// feature, generated from `seed`.
    static func labelledCSV(rows: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var text = "f0,f1,f2,f3,label\n"
        for row in 0..<rows {
            let anomaly = row % 15 == 7
            let z = rng.normal()
            let values = (0..<4).map { j in z * Double(j + 1) / 2 + 0.3 * rng.normal() + (anomaly ? 8 : 0) }
            text += values.map { "\(Float($0))" }.joined(separator: ",") + (anomaly ? ",1\n" : ",0\n")
        }
        return Array(text.utf8)
    }

    /// Runs the script with `arguments`, the built binaries and temporary files under `directory/tmp`.
    static func run(_ arguments: [String], in directory: TestDirectory) throws -> SpawnResult {
        let executable = Child.executable
        let binaries = String(executable[..<(executable.lastIndex(of: "/") ?? executable.endIndex)])
        _ = try ExternalTool.bench()
        let environment = SpawnedProcess.environment(
            removingPrefixes: ["VAEWATCH_BIN_DIR", "TMPDIR"],
            adding: ["VAEWATCH_BIN_DIR=\(binaries)", "TMPDIR=\(directory.file("tmp"))"])
        return try SpawnedProcess.run([script] + arguments, environment: environment)
    }

    /// A folder `data` in `directory` with two labelled CSVs (one named synthetic_*) and an unlabelled one.
    static func makeData(in directory: TestDirectory) throws -> String {
        #expect(mkdir(directory.file("data"), 0o755) == 0 && mkdir(directory.file("tmp"), 0o755) == 0)
        try directory.write(labelledCSV(rows: 150, seed: 1), to: "data/alpha.csv")
        try directory.write(labelledCSV(rows: 120, seed: 2), to: "data/synthetic_beta.csv")
        try directory.write(Array("f0,f1\n1,2\n".utf8), to: "data/notes.csv")
        return directory.file("data")
    }

    /// The numbers among `words` (the `±` and `(n=K)` left out).
    static func numbers(_ words: some Sequence<Substring>) -> [Double] { words.compactMap { Double($0) } }

    @Test("plain tables: every dataset under both protocols, figures in [0, 1], means of the real and all sets")
    func plainTables() throws {
        let directory = try TestDirectory("eval-script")
        defer { directory.remove() }
        let data = try Self.makeData(in: directory)
        let result = try Self.run(["--seeds", "2", data, "--", "--epochs", "5"], in: directory)
        try #require(result.succeeded, "\(result.ending)\n\(result.stdout)\n\(result.stderr)")
        print(result.stdout)
        let sections = result.stdout.split(separator: "\n\n").map(String.init)
        let semi = try #require(sections.firstIndex { $0.hasPrefix("Semi-supervised: train on 60% of the normal") })
        let unsup = try #require(sections.firstIndex { $0.hasPrefix("Unsupervised: train on 60% of all rows") })
        for (name, index) in [("semi", semi), ("unsup", unsup)] {
            let table = try #require(
                sections.indices.contains(index + 1) ? sections[index + 1] : nil, "no table after the \(name) title")
            let lines = table.split(separator: "\n")
            #expect(lines.first?.hasPrefix("dataset") == true, "\(name): \(table)")
            // Each dataset's AUROC and AUPRC: (mean, sd) over the 2 seeds.
            var perDataset: [[(mean: Double, sd: Double)]] = []
            for (dataset, rows) in [("alpha", 150), ("synthetic_beta", 120)] {
                let line = try #require(lines.first { $0.hasPrefix(dataset + " ") }, "\(name) has no \(dataset)")
                let words = line.split(separator: " ")
                #expect(words[1] == "\(rows)" && words[2] == "4" && words[3].hasSuffix("%"), "\(line)")
                let figures = Self.numbers(words.dropFirst(4))
                try #require(figures.count == 8, "\(name) \(dataset): mean and sd of 4 figures: \(line)")
                #expect(figures.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(line)")
                perDataset.append([(figures[0], figures[1]), (figures[2], figures[3])])
                if name == "semi" && dataset == "alpha" {
                    // The anomalies lie 8 units off in every feature: any working model ranks them on top.
                    #expect(figures[0] >= 0.9, "semi AUROC of alpha: \(line)")
                }
            }
            // The mean rows: the mean of the datasets' means ± its standard error, √(Σ sd² / seeds) / datasets,
            // from the rounded cells above (so within a rounding step).
            for (label, sets) in [
                ("mean, real sets (1)", perDataset.prefix(1)), ("mean, all sets (2)", perDataset[...]),
            ] {
                let line = try #require(lines.first { $0.hasPrefix(label) }, "\(name) has no '\(label)'")
                let figures = Self.numbers(line.dropFirst(label.count).split(separator: " "))
                try #require(figures.count == 4, "mean ± se of AUROC and AUPRC: \(line)")
                for metric in 0..<2 {
                    let mean = sets.map { $0[metric].mean }.reduce(0, +) / Double(sets.count)
                    let error =
                        sets.map { $0[metric].sd * $0[metric].sd / 2 }.reduce(0, +).squareRoot() / Double(sets.count)
                    #expect(abs(figures[2 * metric] - mean) <= 0.0015, "\(line): mean \(mean)")
                    #expect(abs(figures[2 * metric + 1] - error) <= 0.0015, "\(line): standard error \(error)")
                }
            }
            #expect(!table.contains("notes"), "the unlabelled CSV is no dataset")
        }
        #expect(result.stderr.contains("eval: alpha: 150 rows, 4 features, 10 anomalies"), "\(result.stderr)")
        #expect(result.stderr.contains("eval: synthetic_beta: 120 rows"), "\(result.stderr)")
        #expect(directory.entries("tmp").isEmpty, "the working folder is removed: \(directory.entries("tmp"))")
    }

    @Test("--markdown prints pipe tables with a row per dataset and the means")
    func markdownTables() throws {
        let directory = try TestDirectory("eval-script")
        defer { directory.remove() }
        let data = try Self.makeData(in: directory)
        let result = try Self.run(["--markdown", "--seeds", "1", data, "--", "--epochs", "3"], in: directory)
        try #require(result.succeeded, "\(result.ending)\n\(result.stdout)\n\(result.stderr)")
        print(result.stdout)
        let lines = result.stdout.split(separator: "\n")
        #expect(
            lines.filter { $0 == "| dataset | rows | features | anomalies | AUROC | AUPRC | precision | recall |" }
                .count == 2)
        for prefix in ["| alpha | 150 | 4 | 6.7% | ", "| synthetic_beta | 120 | 4 |", "| mean, real sets (1) |"] {
            let rows = lines.filter { $0.hasPrefix(prefix) }
            #expect(rows.count == 2, "\(prefix): one row per protocol in\n\(result.stdout)")
            for row in rows {
                let cells = row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                #expect(cells.count == 8, "\(row)")
                let figures = Self.numbers(cells.dropFirst(4).map { $0.filter { $0 != " " }[...] })
                #expect(!figures.isEmpty && figures.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(row)")
            }
        }
    }

    @Test("--baselines: a table per protocol with vaewatch and five baselines on the same splits, AUROCs in [0, 1]")
    func baselines() throws {
        let directory = try TestDirectory("eval-script")
        defer { directory.remove() }
        let data = try Self.makeData(in: directory)
        let result = try Self.run(["--baselines", "--seeds", "2", data, "--", "--epochs", "5"], in: directory)
        try #require(result.succeeded, "\(result.ending)\n\(result.stdout)\n\(result.stderr)")
        print(result.stdout)
        let sections = result.stdout.split(separator: "\n\n").map(String.init)
        let detectors = ["vaewatch", "IsolationForest", "kNN", "LOF", "HBOS", "ECOD"]
        for title in ["Semi-supervised: train on 60% of the normal", "Unsupervised: train on 60% of all rows"] {
            let index = try #require(
                sections.firstIndex { $0.hasPrefix(title) && $0.contains("vaewatch beside the baselines") },
                "no comparison for \(title)")
            let table = try #require(sections.indices.contains(index + 1) ? sections[index + 1] : nil)
            let lines = table.split(separator: "\n")
            #expect(lines.first?.split(separator: " ").map(String.init) == ["dataset"] + detectors + ["best"])
            for dataset in ["alpha", "synthetic_beta"] {
                let line = try #require(lines.first { $0.hasPrefix(dataset + " ") }, "\(title): no \(dataset)")
                let words = line.split(separator: " ")
                let figures = Self.numbers(words.dropFirst().dropLast())
                #expect(figures.count == 6 && figures.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(line)")
                #expect(detectors.contains(String(words.last ?? "")), "the winner is named: \(line)")
                if title.hasPrefix("Semi") && dataset == "alpha" {
                    // Anomalies 8 units off in every feature: every baseline ranks them on top.
                    #expect(figures.dropFirst().allSatisfy { $0 >= 0.9 }, "\(line)")
                }
            }
            let means = try #require(lines.first { $0.hasPrefix("mean AUROC (2 sets)") })
            let ranks = try #require(lines.first { $0.hasPrefix("mean rank of 6") })
            let meanFigures = Self.numbers(means.split(separator: " ").dropFirst(4))
            let rankFigures = Self.numbers(ranks.split(separator: " ").dropFirst(4))
            #expect(meanFigures.count == 6 && meanFigures.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(means)")
            // Six ranks of each set sum to 21, so their means do too.
            #expect(rankFigures.count == 6 && abs(rankFigures.reduce(0, +) - 21) < 0.03, "\(ranks)")
        }
    }

    @Test("bad options exit 64; a folder without a labelled CSV exits 66 and says so")
    func refusals() throws {
        let directory = try TestDirectory("eval-script")
        defer { directory.remove() }
        let data = try Self.makeData(in: directory)
        for arguments in [["--seeds", "0"], ["--seeds"], ["--fast"]] {
            let result = try Self.run(arguments + [data], in: directory)
            #expect(result.status == 64, "\(arguments): \(result.ending) \(result.stderr)")
            #expect(result.stderr.contains("scripts/eval --help"), "\(arguments): \(result.stderr)")
        }
        #expect(mkdir(directory.file("plain"), 0o755) == 0)
        try directory.write(Array("f0,f1\n1,2\n".utf8), to: "plain/notes.csv")
        let empty = try Self.run([directory.file("plain")], in: directory)
        #expect(empty.status == 66, "\(empty.ending)")
        #expect(empty.stderr.contains("\(directory.file("plain")) has no labelled CSV"), "\(empty.stderr)")
        let help = try Self.run(["--help"], in: directory)
        #expect(
            help.succeeded && help.stdout.contains("scripts/eval [--seeds N] [--markdown] [--baselines] [FOLDER...]"))
    }
}
