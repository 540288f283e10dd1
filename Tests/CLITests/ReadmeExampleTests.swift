import Glibc
import TestSupport
import Testing

/// The README's "Score a file" examples, run as printed, in one shell as a reader types them: into a scratch folder,
/// standard input into `vaewatch score`, then the report. Each command must succeed and print what the README shows:
/// the same lines with the same words, and figures close to the README's (training runs on this machine's BLAS
/// kernels and cores, so the last digits may differ); and nothing may land in the checkout.
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

    /// The line that ends a command's output in ``run(_:in:scratch:)``: the marker, then the command's number, or
    /// `failed` and its exit status, or `pwd` and the shell's folder at the end.
    static let marker = "\u{1}readme-step"

    /// The commands of `blocks` in one shell started in `work`, one after another as a reader types them (so that
    /// `cd` and variables carry over), with `vaewatch` on PATH and `mktemp` making its folders in `scratch`; each
    /// one's output is compared with the README's. Returns the folder the shell ended in.
    static func run(_ blocks: [[String]], in work: String, scratch: String) throws -> String {
        let executable = Child.executable
        let folder = executable[..<(executable.lastIndex(of: "/") ?? executable.endIndex)]
        let environment = SpawnedProcess.environment(
            removingPrefixes: ["PATH", "TMPDIR"],
            adding: ["PATH=\(folder):" + String(cString: getenv("PATH")), "TMPDIR=\(scratch)"])
        let steps = blocks.flatMap(ReadmeText.steps(of:))
        var script = "set -o pipefail\ncd '\(work)'\n"
        for (number, step) in steps.enumerated() {
            // The newline before `}` ends a trailing `# comment`; `2>&1` after the group keeps the command's own
            // redirections as written.
            script += "{ \(step.command)\n} 2>&1 || { printf '\(marker) failed %d\\n' $?; exit 1; }\n"
            script += "printf '\(marker) \(number)\\n'\n"
        }
        script += "printf '\(marker) pwd %s\\n' \"$PWD\"\n"
        let result = try SpawnedProcess.run(["bash", "-c", script], environment: environment)
        // Each command's lines: a marker line closes them (a last line without a newline ends before the marker).
        var outputs: [[String]] = [[]]
        var ending = ""
        for line in result.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let found = line.firstRange(of: marker) else {
                outputs[outputs.count - 1].append(String(line))
                continue
            }
            if found.lowerBound > line.startIndex {
                outputs[outputs.count - 1].append(String(line[..<found.lowerBound]))
            }
            ending = String(line[found.upperBound...])
            if ending.hasPrefix(" failed") || ending.hasPrefix(" pwd") { break }
            outputs.append([])
        }
        let finished = outputs.count - 1
        for (number, step) in steps.enumerated() where number <= finished {
            let printed = outputs[number]
            if number == finished {
                try #require(finished == steps.count, "`\(step.command)`\(ending)\n\(printed.joined(separator: "\n"))")
            }
            #expect(
                printed.count == step.output.count,
                "`\(step.command)` printed \(printed.count) lines, the README shows \(step.output.count):\n\(printed)")
            for (expected, actual) in zip(step.output, printed) {
                if let problem = mismatch(expected: expected, actual: actual) {
                    Issue.record(Comment(rawValue: "`\(step.command)`: \(problem)"))
                }
            }
            print("README `\(step.command)`: \(printed.count) lines as shown")
        }
        try #require(result.succeeded && ending.hasPrefix(" pwd "), "\(result.ending)\n\(result.stderr)")
        return String(ending.dropFirst(" pwd ".count))
    }

    @Test("the examples of \"Score a file\" and the report after them run as printed, in a scratch folder")
    func scoreAFileRunsAsPrinted() throws {
        let readme = try ReadmeText.load()
        let stdinExample = try #require(readme.block(containing: "vaewatch score --ignore label --only-anomalies <"))
        let reportExample = try #require(readme.block(containing: "vaewatch report --input scored.jsonl"))
        // The examples run in a folder beside a `shared` folder, as the checkout sits beside ../shared.
        let directory = try TestDirectory("readme")
        defer { directory.remove() }
        let work = directory.path + "/work"
        let scratch = directory.path + "/tmp"
        try #require(mkdir(work, 0o755) == 0 && mkdir(scratch, 0o755) == 0)
        try #require(symlink(repositoryRoot() + "/../shared", directory.path + "/shared") == 0)
        let ended = try Self.run([stdinExample, reportExample], in: work, scratch: scratch)
        #expect(directory.entries("work").isEmpty, "the examples wrote into the checkout: \(directory.entries("work"))")
        #expect(ended.hasPrefix(scratch + "/"), "the examples ended in \(ended), not in a scratch folder")
        let svg = String(decoding: try readFile(ended + "/report.svg"), as: UTF8.self)
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
