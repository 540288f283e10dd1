import Glibc
import TestSupport
import Testing

/// `vaewatch-bench eval-split`: the train/test split of the evaluation protocol, on a small hand-made labelled CSV.
@Suite struct EvalSplitTests {
    /// The header of ``labelled``.
    static let header = "a,b,label"

    /// 15 normal rows and 5 anomalies (rows 3, 7, 11, 15 and 19), each line unique and written in a different
    /// spelling (spaces, exponents, trailing zeros, a carriage return) so that a byte-for-byte copy can be told
    /// from a reformatted one.
    static let labelled: [String] = (0..<20).map { row in
        let label = row % 4 == 3 ? 1 : 0
        let spellings = ["\(row).50", " \(row)", "\(row)e0", "+\(row).0"]
        return "\(spellings[row % 4]),\(Double(row) / 8),\(label)" + (row == 5 ? "\r" : "")
    }

    /// Writes ``labelled`` to `data.csv` in `directory` and splits it; returns the summary line's figures and the
    /// lines of the two parts (headers included).
    static func split(_ protocolName: String, seed: Int, in directory: TestDirectory, into name: String = "out")
        throws -> (figures: [String: String], train: [String], test: [String])
    {
        try directory.write(Array(([header] + labelled).map { $0 + "\n" }.joined().utf8), to: "data.csv")
        let result = try EvalTool.bench([
            "eval-split", "--input", directory.file("data.csv"), "--protocol", protocolName, "--seed", "\(seed)",
            "--out-dir", directory.file(name),
        ])
        try #require(result.succeeded, "\(result.ending): \(result.stderr)")
        return (
            EvalTool.figures(result.stdout), try EvalTool.lines(of: directory.file(name + "/train.csv")),
            try EvalTool.lines(of: directory.file(name + "/test.csv"))
        )
    }

    @Test("semi: 60% of the normal rows train, every other row tests, lines copied byte for byte in file order")
    func semiSupervised() throws {
        let directory = try TestDirectory("eval-split")
        defer { directory.remove() }
        let (figures, train, test) = try Self.split("semi", seed: 1, in: directory)
        print("eval-split semi seed 1: \(figures)")
        #expect(figures == ["rows": "20", "features": "2", "anomalies": "5", "train": "9", "test": "11"])
        #expect(train.first == Self.header)
        #expect(test.first == Self.header)
        let normal = Self.labelled.filter { $0.hasSuffix(",0") || $0.hasSuffix(",0\r") }
        let anomalies = Self.labelled.filter { !normal.contains($0) }
        let trainRows = Array(train.dropFirst())
        let testRows = Array(test.dropFirst())
        #expect(trainRows.count == 9, "floor(0.6 × 15 normal rows)")
        #expect(trainRows.allSatisfy(normal.contains), "only normal rows train: \(trainRows)")
        #expect(anomalies.allSatisfy(testRows.contains), "every anomaly tests: \(testRows)")
        for row in normal {
            let copies = trainRows.filter { $0 == row }.count + testRows.filter { $0 == row }.count
            #expect(copies == 1, "normal row '\(row)' is in \(copies) parts")
        }
        // Both parts keep the file's order (and so every line's bytes, carriage return included).
        #expect(trainRows == Self.labelled.filter(trainRows.contains))
        #expect(testRows == Self.labelled.filter(testRows.contains))
        #expect((trainRows + testRows).contains(Self.labelled[5]), "the line ending in a carriage return keeps it")
    }

    @Test("unsup: 60% of all rows train, anomalies included, the rest test")
    func unsupervised() throws {
        let directory = try TestDirectory("eval-split")
        defer { directory.remove() }
        let (figures, train, test) = try Self.split("unsup", seed: 3, in: directory)
        print("eval-split unsup seed 3: \(figures)")
        #expect(figures["train"] == "12" && figures["test"] == "8", "\(figures)")
        let trainRows = Array(train.dropFirst())
        let testRows = Array(test.dropFirst())
        #expect(Set(trainRows).isDisjoint(with: testRows))
        #expect(Set(trainRows).union(testRows) == Set(Self.labelled))
        #expect(trainRows == Self.labelled.filter(trainRows.contains))
    }

    @Test("a seed gives the same split every time; other seeds give other splits; seed 2 is pinned")
    func seeds() throws {
        let directory = try TestDirectory("eval-split")
        defer { directory.remove() }
        var trains: [[String]] = []
        for (index, seed) in [7, 7, 8, 9].enumerated() {
            trains.append(try Self.split("semi", seed: seed, in: directory, into: "out\(index)").train)
        }
        #expect(trains[0] == trains[1], "seed 7 twice")
        #expect(trains[0] != trains[2] && trains[0] != trains[3] && trains[2] != trains[3], "seeds 7, 8, 9")
        // The split for seed 2, so that a change of the generator or the shuffle, which would make results
        // incomparable with earlier ones, is noticed.
        let pinned = try Self.split("semi", seed: 2, in: directory, into: "pinned").train.dropFirst()
        let rows = pinned.map { line in Self.labelled.firstIndex(of: line) ?? -1 }
        print("eval-split semi seed 2 trains on rows \(rows)")
        #expect(rows == Self.pinnedSeed2Rows)
    }

    /// The training rows of the semi split of ``labelled`` for seed 2.
    static let pinnedSeed2Rows = [0, 4, 5, 6, 8, 12, 14, 17, 18]

    @Test("a file without a label column, a label that is not 0 or 1, and bad options are refused with their place")
    func refusals() throws {
        let directory = try TestDirectory("eval-split")
        defer { directory.remove() }
        try directory.write(Array("a,b,class\n1,2,0\n".utf8), to: "unlabelled.csv")
        try directory.write(Array("a,label\n1,0\n2,1\n\n3,2\n".utf8), to: "badlabel.csv")
        let out = ["--out-dir", directory.path, "--protocol", "semi", "--seed", "1"]

        let unlabelled = try EvalTool.bench(["eval-split", "--input", directory.file("unlabelled.csv")] + out)
        #expect(unlabelled.status == 65)
        #expect(
            unlabelled.stderr.contains("\(directory.file("unlabelled.csv")):1: no `label` column"),
            "\(unlabelled.stderr)")

        let badLabel = try EvalTool.bench(["eval-split", "--input", directory.file("badlabel.csv")] + out)
        #expect(badLabel.status == 65)
        #expect(badLabel.stderr.contains("\(directory.file("badlabel.csv")):5: label is '2'"), "\(badLabel.stderr)")

        let missing = try EvalTool.bench(["eval-split", "--input", directory.file("absent.csv")] + out)
        #expect(missing.status == 66, "\(missing.stderr)")

        let badProtocol = try EvalTool.bench([
            "eval-split", "--input", directory.file("badlabel.csv"), "--protocol", "both", "--seed", "1",
            "--out-dir", directory.path,
        ])
        #expect(badProtocol.status == 64)
        #expect(badProtocol.stderr.contains("--protocol must be semi or unsup"), "\(badProtocol.stderr)")
        #expect(access(directory.file("train.csv"), F_OK) != 0, "a refused split writes nothing")
    }
}
