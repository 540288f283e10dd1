import TestSupport
import Testing

@testable import RecordIO
@testable import RecordParsing

/// A file that is not the output of `vaewatch score` stops the reader with a located message that says what to do.
@Suite("ScoredFileReader errors")
struct ScoredFileErrorTests {
    /// The error reading `text` as the file `name` throws, with `{}` in its message standing for the file's path.
    static func error(_ text: String, name: String) throws -> RecordIOError {
        let directory = try TestDirectory("scored")
        defer { directory.remove() }
        try directory.write(Array(text.utf8), to: name)
        do {
            let file = try ScoredFileReader.read(path: directory.file(name), format: nil)
            Issue.record("expected an error, read \(file.records.count) records")
            return RecordIOError(.data, "")
        } catch {
            return RecordIOError(error.code, error.description.replacing(directory.file(name), with: "{}"))
        }
    }

    @Test("a bad CSV value names the line, the field and its column, and quotes the value")
    func csvValue() throws {
        let header = "id,score,recon,kl,threshold,anomaly\n"
        #expect(
            try Self.error(header + "1,0.5,0.2,0.3,9,0\n2,abc,0.2,0.3,9,0\n", name: "scored.csv")
                == RecordIOError(.data, "{}:3: field 2 (score): not a number: \"abc\""))
        #expect(
            try Self.error(header + "1,0.5,0.2,0.3,9,yes\n", name: "scored.csv")
                == RecordIOError(.data, "{}:2: field 6 (anomaly): expected 1 or 0, found \"yes\""))
        #expect(
            try Self.error(header + "1,nan,0.2,0.3,9,0\n", name: "scored.csv")
                == RecordIOError(.data, "{}:2: field 2 (score): NaN and -∞ are not scores: \"nan\""))
        #expect(
            try Self.error(header + "1,,0.2,0.3,9,0\n", name: "scored.csv")
                == RecordIOError(.data, "{}:2: field 2 (score): empty; a verdict needs every value"))
        #expect(
            try Self.error(header + "1,0.5,0.2,9,0\n", name: "scored.csv")
                == RecordIOError(.data, "{}:2: 5 fields where the header has 6"))
    }

    @Test("a CSV without the verdict columns says which are missing and what the file must be")
    func csvColumns() throws {
        #expect(
            try Self.error("x0,x1,score\n1,2,3\n", name: "input.csv")
                == RecordIOError(
                    .data,
                    "{}:1: no columns threshold, anomaly in the header; the file must be the output of vaewatch score, "
                        + "whose CSV ends in the columns score,recon,kl,threshold,anomaly"))
        #expect(
            try Self.error("", name: "empty.csv")
                == RecordIOError(
                    .data, "{}: the file is empty; expected the CSV output of vaewatch score, with a header line"))
    }

    @Test("a bad JSON line names the line and the verdict's field")
    func jsonLines() throws {
        let good = "{\"vaewatch\":{\"score\":1,\"threshold\":2,\"anomaly\":false}}\n"
        #expect(
            try Self.error(good + "{\"x0\":1}\n", name: "s.jsonl")
                == RecordIOError(
                    .data,
                    "{}:2: no \"vaewatch\" key; the file must be the output of vaewatch score --output jsonl, which "
                        + "adds the verdict to every object under that key"))
        #expect(
            try Self.error("{\"vaewatch\":{\"score\":\"high\",\"threshold\":2,\"anomaly\":false}}\n", name: "s.jsonl")
                == RecordIOError(
                    .data, "{}:1: field vaewatch.score: expected a number, found a string \"\\\"high\\\"\""))
        #expect(
            try Self.error("{\"vaewatch\":{\"score\":1,\"anomaly\":false}}\n", name: "s.jsonl")
                == RecordIOError(
                    .data,
                    "{}:1: field vaewatch: no threshold; the verdict of vaewatch score holds score, recon, kl, "
                        + "threshold, anomaly, top, missing and model_version"))
        #expect(
            try Self.error(
                "{\"vaewatch\":{\"score\":1,\"threshold\":2,\"anomaly\":true,\"top\":[{\"feature\":3,\"share\":1}]}}\n",
                name: "s.jsonl")
                == RecordIOError(.data, "{}:1: field vaewatch.top[0].feature: expected a string, found a number \"3\""))
        #expect(
            try Self.error(good + good + "{\"vaewatch\":{\"score\":1,}}\n", name: "s.jsonl")
                == RecordIOError(.data, "{}:3: not valid JSON at byte 24: expected a string, found \"}}\""))
    }

    @Test("a file that cannot be opened is an input error with the system's reason")
    func missingFile() {
        #expect(throws: RecordIOError(.input, "cannot open /nonexistent/scored.csv: No such file or directory")) {
            try ScoredFileReader.read(path: "/nonexistent/scored.csv", format: nil)
        }
    }
}
