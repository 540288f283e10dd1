import TestSupport
import Testing

/// Real files nobody prepared for vaewatch (issue 19, item 9): text columns, gzip, another delimiter, a file without a
/// header. Each is refused before any record is read, with status 65, what is wrong and what to do.
@Suite("vaewatch score: files not prepared for vaewatch")
struct UnpreparedFileTests {
    /// `rows` lines of host, date, cpu, memory and note, under their header.
    static func textAndDates(rows: Int) -> String {
        var lines = ["host,date,cpu,memory,note"]
        for index in 0..<rows {
            lines.append(
                "web-\(index % 3),2024-01-\(index % 28 + 1),\(Float(index % 7) / 7),\(Float(index % 5) / 5),ok")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("text and date columns are all named at once, before any located reject, with --ignore and --key")
    func everyTextColumnNamedAtOnce() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let input = Array(Self.textAndDates(rows: 300).utf8)
        let result = try vaewatch(["score"], input: input, in: directory)
        #expect(result.status == 65)
        #expect(
            result.stderr
                == "vaewatch: <stdin>: in its first 100 rows, columns \"host\", \"date\" and \"note\" hold text, not "
                + "numbers: leave them out with --ignore host,date,note, name one as the record key with --key and "
                + "leave out the rest, or choose the features with --columns\n")
        #expect(result.stdout.isEmpty)
        let trained = try vaewatch(["train", "--out", directory.file("m.vaew")], input: input, in: directory)
        #expect(trained.status == 65)
        #expect(trained.stderr.contains("columns \"host\", \"date\" and \"note\" hold text"), "\(trained.stderr)")
        let fixed = try vaewatch(
            ["score", "--key", "host", "--ignore", "date,note", "--warmup", "300", "--epochs", "2"], input: input,
            in: directory)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.lines.count == 301)
    }

    @Test("a gzip file: use zcat")
    func gzipFile() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        try directory.write(
            [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x0A, 0xFF, 0x0A], to: "m.csv.gz")
        let path = directory.file("m.csv.gz")
        let result = try vaewatch(["score", "--input", path], in: directory)
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(path): this looks gzip-compressed"), "\(result.stderr)")
        #expect(result.stderr.contains("zcat \(path) | vaewatch"), "\(result.stderr)")
        #expect(!result.stderr.contains("UTF-8"), "\(result.stderr)")
    }

    @Test("one header field over rows of semicolons or tabs: a delimiter hint")
    func otherDelimiters() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        for (delimiter, name) in [(";", "semicolons"), ("\t", "tabs"), (" ", "spaces")] {
            var lines = [["cpu", "memory", "disk"].joined(separator: delimiter)]
            for index in 0..<50 { lines.append(["0.\(index)", "1.5", "\(index)"].joined(separator: delimiter)) }
            let result = try vaewatch(
                ["score"], input: Array((lines.joined(separator: "\n") + "\n").utf8), in: directory)
            #expect(result.status == 65, "\(name): \(result.stderr)")
            #expect(result.stderr.contains("they look separated by \(name)"), "\(result.stderr)")
            #expect(result.stderr.contains("vaewatch reads comma-separated values"), "\(result.stderr)")
            #expect(!result.stderr.contains("not a number"), "\(result.stderr)")
        }
        // One real column of numbers is no other delimiter.
        let single = try vaewatch(
            ["score", "--epochs", "2"], input: Array(("value\n" + (0..<200).map { "\($0).5\n" }.joined()).utf8),
            in: directory)
        #expect(single.status == 0, "\(single.stderr)")
        #expect(single.lines.count == 201)
    }

    @Test("a header of numbers looks like data: add a header line (the model's names, with a model)")
    func headerOfNumbers() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let rows = Array(repeating: TrainedModel.goodLine, count: 20).joined(separator: "\n") + "\n"
        let plain = try vaewatch(["score"], input: Array(rows.utf8), in: directory)
        #expect(plain.status == 65)
        #expect(plain.stderr.contains("<stdin>:1: this header looks like data"), "\(plain.stderr)")
        #expect(plain.stderr.contains("(echo c1,c2,c3,c4,c5,c6,c7,c8; cat FILE) | vaewatch"), "\(plain.stderr)")
        let scored = try vaewatch(["score", "--model", model], input: Array(rows.utf8), in: directory)
        #expect(scored.status == 65)
        #expect(scored.stderr.contains("(echo \(TrainedModel.header); cat FILE) | vaewatch"), "\(scored.stderr)")
    }
}
