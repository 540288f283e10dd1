import Foundation
import TestSupport
import Testing

/// A model trained once for the bad-input tests, so that they score from the first record.
enum TrainedModel {
    /// Trains a small model on a seeded stream into `directory`; returns its path.
    static func make(in directory: TestDirectory) throws -> String {
        let path = directory.file("model.vaew")
        let stream = SyntheticStream(rows: 2_000, seed: 11, labelColumn: false)
        let result = try vaewatch(
            ["train", "--out", path, "--epochs", "5"], input: Array(stream.csv.utf8), in: directory)
        try #require(result.status == 0, "\(result.stderr)")
        return path
    }

    /// A valid CSV line of the model's 8 features.
    static let goodLine = "0.1,0.2,-0.3,0.4,0.5,-0.6,0.7,0.8"
    /// The header of the model's features.
    static let header = "x0,x1,x2,x3,x4,x5,x6,x7"
}

/// Rows I1–I10, I12 and I13 of RELIABILITY.md, through the command line.
@Suite("vaewatch score: bad input (RELIABILITY.md I1–I13)")
struct BadInputTests {
    @Test("I1, I2: 10,000 lines with 100 bad ones; 9,900 scored, 100 rejects at the right lines")
    func wrongFieldCountAndNotANumber() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        var lines = [TrainedModel.header]
        var bad: [Int: String] = [:]
        for index in 0..<10_000 {
            let lineNumber = index + 2
            if index % 100 == 37 {
                let broken = index % 200 == 37 ? "0.1,0.2,0.3" : "0.1,abc,0.3,0.4,0.5,0.6,0.7,0.8"
                bad[lineNumber] = broken
                lines.append(broken)
            } else {
                lines.append(TrainedModel.goodLine)
            }
        }
        let rejects = directory.file("rejects.jsonl")
        let result = try vaewatch(
            ["score", "--model", model, "--rejects", rejects],
            input: Array((lines.joined(separator: "\n") + "\n").utf8),
            in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 1 + 9_900)
        let rejected = String(decoding: try directory.contents(of: "rejects.jsonl"), as: UTF8.self)
            .split(separator: "\n")
        #expect(rejected.count == 100)
        let numbers = rejected.compactMap { line -> Int? in
            guard let range = line.range(of: "\"line\":") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(numbers == bad.keys.sorted())
        #expect(result.stderr.contains("<stdin>:139: field 2 (x1): not a number: \"abc\""))
        #expect(result.stderr.contains("<stdin>:39: 3 fields where the header has 8"))
    }

    @Test("I3: NaN, inf, 1e999 and -0x1p3 are rejected; no NaN is written")
    func nonFiniteValues() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let values = ["NaN", "nan", "inf", "-Infinity", "1e999", "-0x1p3", "0x10"]
        var lines = [TrainedModel.header]
        for value in values { lines.append("\(value),0.2,-0.3,0.4,0.5,-0.6,0.7,0.8") }
        for _ in 0..<20 { lines.append(TrainedModel.goodLine) }
        let result = try vaewatch(
            ["score", "--model", model], input: Array((lines.joined(separator: "\n") + "\n").utf8), in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 21)
        #expect(!result.stdout.lowercased().contains("nan"))
        #expect(result.stderr.contains("NaN and infinity are not accepted"))
        #expect(result.stderr.contains("out of the range of a 32-bit float"))
        #expect(result.stderr.contains("hexadecimal numbers are not accepted"))
        #expect(result.stderr.contains("7 lines rejected"))
    }

    @Test("I4: blank lines are skipped and counted (CSV); a blank JSON line is a reject with --strict")
    func blankLines() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let csv = [
            TrainedModel.header, TrainedModel.goodLine, "", TrainedModel.goodLine, "", "", TrainedModel.goodLine,
        ]
        let result = try vaewatch(
            ["score", "--model", model], input: Array((csv.joined(separator: "\n") + "\n").utf8), in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 4)
        #expect(result.stderr.contains("3 blank lines skipped"))
        let object = "{\"x0\":0.1,\"x1\":0.2,\"x2\":-0.3,\"x3\":0.4,\"x4\":0.5,\"x5\":-0.6,\"x6\":0.7,\"x7\":0.8}"
        let json = [object, "", object].joined(separator: "\n") + "\n"
        let lenient = try vaewatch(
            ["score", "--model", model, "--format", "jsonl"], input: Array(json.utf8), in: directory)
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.lines.count == 2)
        let strict = try vaewatch(
            ["score", "--model", model, "--format", "jsonl", "--strict"], input: Array(json.utf8), in: directory)
        #expect(strict.status == 65)
        #expect(strict.stderr.contains("<stdin>:2: a blank line"))
    }

    @Test("I5: a 10 MiB line without a newline is rejected without being buffered; the next line is scored")
    func endlessLine() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let limit = 4 << 20
        func run(longLine: Bool) throws -> (RunResult, Int) {
            let name = "long-\(longLine)"
            var input = Array((TrainedModel.header + "\n" + TrainedModel.goodLine + "\n").utf8)
            input += longLine ? [UInt8](repeating: UInt8(ascii: "7"), count: 10 << 20) : Array("0.1,x".utf8)
            input += Array(("\n" + TrainedModel.goodLine + "\n").utf8)
            try directory.write(input, to: name + ".in")
            let child = try Child(
                ["score", "--model", model, "--max-line-bytes", String(limit)],
                stdin: .file(directory.file(name + ".in")),
                stdout: .file(directory.file(name + ".out")), stderr: (directory, name + ".err"))
            let (status, signal, peak) = child.waitWithPeakMemory()
            let output = String(decoding: try directory.contents(of: name + ".out"), as: UTF8.self)
            return (RunResult(status: status, signal: signal, stdout: output, stderr: child.errors), peak)
        }
        let (long, longPeak) = try run(longLine: true)
        let (short, shortPeak) = try run(longLine: false)
        #expect(long.status == 0, "\(long.stderr)")
        #expect(long.lines.count == 3)
        #expect(long.stderr.contains("<stdin>:3: the line has"))
        #expect(short.lines.count == 3)
        #expect(longPeak - shortPeak < 2 * limit, "peak RSS grew by \(longPeak - shortPeak) bytes")
    }

    @Test("I6: invalid UTF-8 is rejected, never replaced")
    func invalidUTF8() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        var input = Array((TrainedModel.header + "\n").utf8)
        input += [0xFF, 0xFE] + Array(",0.2,-0.3,0.4,0.5,-0.6,0.7,0.8\n".utf8)
        input += Array("0.1,0.2,-0.3,0.4,0.5,-0.6,0.7,0.8\n".utf8)
        let result = try vaewatch(["score", "--model", model], input: input, in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 2)
        #expect(!result.stdout.unicodeScalars.contains("\u{FFFD}"))
        #expect(result.stderr.contains("<stdin>:2: invalid UTF-8 at byte 1 (0xFF)"))
    }

    @Test("I7, I8: a BOM on line 1 and CRLF endings give byte-identical output; a later BOM is one reject")
    func byteOrderMarkAndCRLF() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let stream = SyntheticStream(rows: 300, seed: 5, labelColumn: false).csv
        let plain = try vaewatch(["score", "--model", model], input: Array(stream.utf8), in: directory)
        let bom = try vaewatch(
            ["score", "--model", model], input: [0xEF, 0xBB, 0xBF] + Array(stream.utf8), in: directory)
        let crlf = try vaewatch(
            ["score", "--model", model], input: Array(stream.replacingOccurrences(of: "\n", with: "\r\n").utf8),
            in: directory)
        #expect(plain.status == 0 && bom.status == 0 && crlf.status == 0)
        #expect(plain.lines.count == 301)
        #expect(bom.stdout == plain.stdout)
        #expect(crlf.stdout == plain.stdout)
        let middle = try vaewatch(
            ["score", "--model", model],
            input: Array((TrainedModel.header + "\n" + TrainedModel.goodLine + "\n").utf8) + [0xEF, 0xBB, 0xBF]
                + Array((TrainedModel.goodLine + "\n").utf8), in: directory)
        #expect(middle.lines.count == 2)
        #expect(middle.stderr.contains("<stdin>:3: a byte-order mark (U+FEFF) in the middle of the input"))
        #expect(middle.stderr.contains("1 line rejected"))
    }

    @Test("I9: bad JSON, wrong types and duplicate keys are rejected with a location; good lines all scored")
    func badJSONLines() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let good = "{\"x0\":0.1,\"x1\":0.2,\"x2\":-0.3,\"x3\":0.4,\"x4\":0.5,\"x5\":-0.6,\"x6\":0.7,\"x7\":0.8}"
        let bad = [
            "{\"x0\":0.1,\"x1\":0.2", "{\"x0\":\"0.1\"}", "{\"x0\":true}", "{\"x0\":1,\"x0\":2}", "[1,2,3]",
            "{\"x0\":NaN}", "{\"x0\":01}", "{\"x0\":1} trailing",
        ]
        var lines: [String] = []
        for (index, line) in bad.enumerated() { lines += [good, line] + (index % 2 == 0 ? [good] : []) }
        let result = try vaewatch(
            ["score", "--model", model, "--format", "jsonl"], input: Array((lines.joined(separator: "\n") + "\n").utf8),
            in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == lines.count - bad.count)
        #expect(result.lines.allSatisfy { $0.contains("\"vaewatch\":{\"score\":") })
        #expect(result.stderr.contains("\(bad.count) lines rejected"))
        #expect(result.stderr.contains("<stdin>:2: not valid JSON"))
        #expect(result.stderr.contains("field x0: the key appears twice"))
        #expect(result.stderr.contains("field x0: expected a number or null, found a string"))
    }

    @Test("I10: the last line without a newline is scored")
    func noFinalNewline() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let input = TrainedModel.header + "\n" + TrainedModel.goodLine + "\n0.5,0.2,-0.3,0.4,0.5,-0.6,0.7,0.9"
        let result = try vaewatch(["score", "--model", model], input: Array(input.utf8), in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 3)
        #expect(result.lines.last?.hasPrefix("0.5,0.2,-0.3,0.4,0.5,-0.6,0.7,0.9,") == true)
    }

    @Test("I12: 60% bad lines end the run with status 65 within 1,000 lines")
    func rejectStorm() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        var lines = [TrainedModel.header]
        for index in 0..<5_000 { lines.append(index % 5 < 3 ? "0.1,0.2,-0.3" : TrainedModel.goodLine) }
        let result = try vaewatch(
            ["score", "--model", model], input: Array((lines.joined(separator: "\n") + "\n").utf8), in: directory)
        #expect(result.status == 65)
        let reported = try #require(result.stderr.range(of: "were rejected (line "))
        let line = Int(result.stderr[reported.upperBound...].prefix { $0.isNumber }) ?? .max
        #expect(line <= 1_001)
        #expect(result.lines.count < 1_001)
    }

    @Test("--strict stops at the first bad line with status 65")
    func strictStops() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let input = [TrainedModel.header, TrainedModel.goodLine, "1,2", TrainedModel.goodLine].joined(separator: "\n")
        let result = try vaewatch(["score", "--model", model, "--strict"], input: Array(input.utf8), in: directory)
        #expect(result.status == 65)
        #expect(result.stderr.contains("stopping at the first bad line (--strict): <stdin>:3:"))
        #expect(result.lines.count == 2, "the header and the good line before the bad one")
    }
}

/// A text column among the features is named, with what to do.
@Suite("vaewatch score: text columns")
struct TextColumnTests {
    @Test("a text column ends the run with status 65 and a message that names it")
    func textColumn() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        var lines = ["host,cpu,memory"]
        for index in 0..<300 { lines.append("web-\(index % 3),\(Float(index % 7) / 7),\(Float(index % 5) / 5)") }
        let result = try vaewatch(["score"], input: Array((lines.joined(separator: "\n") + "\n").utf8), in: directory)
        #expect(result.status == 65)
        #expect(result.stderr.contains("column \"host\" holds text, not numbers: leave it out with --ignore host"))
        let fixed = try vaewatch(
            ["score", "--key", "host", "--warmup", "300", "--epochs", "3"],
            input: Array((lines.joined(separator: "\n") + "\n").utf8), in: directory)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.lines.count == 301)
    }
}
