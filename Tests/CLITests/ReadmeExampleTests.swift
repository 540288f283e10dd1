import Glibc
import TestSupport
import Testing

/// The README's "Score a file" examples, run as printed: standard input into `vaewatch score`, then the report. Each
/// command must succeed and print what the README shows: the same lines with the same words, and figures close to
/// the README's (training runs on this machine's BLAS kernels and cores, so the last digits may differ).
@Suite("README examples")
struct ReadmeExampleTests {
    /// A figure of an output line, as written: `2000`, `10,000`, `7.007712`, `0.61`.
    static func figures(_ line: String) -> [(text: String, value: Double, isDuration: Bool)] {
        var figures: [(String, Double, Bool)] = []
        var current = ""
        let characters = Array(line) + [" "]
        for (index, character) in characters.enumerated() {
            let continues =
                character.isNumber
                || ((character == "." || character == ",") && !current.isEmpty
                    && index + 1 < characters.count && characters[index + 1].isNumber)
            if continues {
                current.append(character)
            } else if !current.isEmpty {
                let rest = String(characters[index...])
                figures.append((current, Double(current.replacing(",", with: "")) ?? .nan, rest.hasPrefix(" s")))
                current = ""
            }
        }
        return figures
    }

    /// The line with every figure replaced by `#`: its words.
    static func skeleton(_ line: String) -> String {
        var result = line
        for figure in figures(line).sorted(by: { $0.text.count > $1.text.count }) {
            result = result.replacing(figure.text, with: "#")
        }
        return result
    }

    /// Why `actual` is not what the README's `expected` line shows, or nil when it is. CSV rows (which records were
    /// flagged depends on the last digits of the threshold) must have the same shape; other lines the same words,
    /// and each figure within 35% (or 3) of the README's, durations aside.
    static func mismatch(expected: String, actual: String) -> String? {
        guard skeleton(expected) == skeleton(actual) else { return "expected \"\(expected)\", got \"\(actual)\"" }
        if expected.filter({ $0 == "," }).count >= 5 { return nil }
        for (want, got) in zip(figures(expected), figures(actual)) where !want.isDuration {
            guard abs(want.value - got.value) <= max(0.35 * abs(want.value), 3) else {
                return "expected \"\(expected)\", got \"\(actual)\": \(got.text) is far from \(want.text)"
            }
        }
        return nil
    }

    /// Runs a block's commands in `work` with `vaewatch` on PATH, comparing each one's output with the README's.
    static func run(_ block: [String], in work: String) throws {
        let executable = Child.executable
        let folder = executable[..<(executable.lastIndex(of: "/") ?? executable.endIndex)]
        let environment = SpawnedProcess.environment(
            removingPrefixes: ["PATH"], adding: ["PATH=\(folder):" + String(cString: getenv("PATH"))])
        for step in ReadmeText.steps(of: block) {
            let result = try SpawnedProcess.run(
                ["bash", "-o", "pipefail", "-c", "cd '\(work)' && { \(step.command) ; } 2>&1"],
                environment: environment)
            try #require(result.succeeded, "`\(step.command)`: \(result.ending)\n\(result.stdout)\(result.stderr)")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let printed = lines.last == "" ? Array(lines.dropLast()) : lines
            #expect(
                printed.count == step.output.count,
                "`\(step.command)` printed \(printed.count) lines, the README shows \(step.output.count):\n\(result.stdout)"
            )
            for (expected, actual) in zip(step.output, printed) {
                if let problem = mismatch(expected: expected, actual: actual) {
                    Issue.record(Comment(rawValue: "`\(step.command)`: \(problem)"))
                }
            }
            print("README `\(step.command)`: \(printed.count) lines as shown")
        }
    }

    @Test("the stdin example of \"Score a file\" and the report after it run as printed")
    func scoreAFileRunsAsPrinted() throws {
        let readme = try ReadmeText.load()
        let stdinExample = try #require(readme.block(containing: "vaewatch score --ignore label --only-anomalies <"))
        let reportExample = try #require(readme.block(containing: "vaewatch report --input scored.jsonl"))
        // The examples run in a folder beside a `shared` folder, as the checkout sits beside ../shared.
        let directory = try TestDirectory("readme")
        defer { directory.remove() }
        let work = directory.path + "/work"
        try #require(mkdir(work, 0o755) == 0)
        try #require(symlink(repositoryRoot() + "/../shared", directory.path + "/shared") == 0)
        try Self.run(stdinExample, in: work)
        try Self.run(reportExample, in: work)
        let svg = String(decoding: try readFile(work + "/report.svg"), as: UTF8.self)
        #expect(try ReportSVG.parse(svg).root == "svg")
    }

    @Test("the comparison refuses other words and far figures, and lets the last digits differ")
    func comparisonCanFail() {
        #expect(Self.mismatch(expected: "threshold 7.007712, 61 flagged", actual: "threshold 7.01, 60 flagged") == nil)
        #expect(Self.mismatch(expected: "61 flagged (0.61%)", actual: "610 flagged (6.1%)") != nil)
        #expect(Self.mismatch(expected: "61 flagged", actual: "61 rejected") != nil)
        #expect(Self.mismatch(expected: "learned in 0.1 s", actual: "learned in 1.9 s") == nil)
        #expect(Self.skeleton("wrote r.svg: 10,000 records, 61 flagged") == "wrote r.svg: # records, # flagged")
    }
}
