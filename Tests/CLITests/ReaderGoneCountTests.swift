import Foundation
import TestSupport
import Testing

/// A reader that goes away after 50,000 lines (`| head -n 50000`): `score` and `serve` on stdin say how many records
/// they wrote, not 0 (issue 19, item 11).
@Suite("vaewatch score and serve: the count when the output's reader goes away", .serialized)
struct ReaderGoneCountTests {
    /// 200,000 rows of the stream the shared model learned, as a CSV file in `directory`; returns its path.
    static func bigInput(in directory: TestDirectory) throws -> String {
        try directory.write(Array(SyntheticStream(rows: 200_000, seed: 2, labelColumn: false).csv.utf8), to: "big.csv")
        return directory.file("big.csv")
    }

    /// The whole number after `marker` in `text`.
    static func number(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber || $0 == "," }.filter(\.isNumber))
    }

    @Test("score | head -n 50000: closed by its reader after at least 49,999 records, not 0")
    func scoreCountsTheRecordsWritten() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let input = try Self.bigInput(in: directory)
        let run = try SpawnedProcess.run([
            "/bin/sh", "-c",
            "'\(Child.executable)' score --model '\(model)' --input '\(input)' | head -n 50000 >/dev/null",
        ])
        #expect(run.succeeded, "\(run.stderr)")
        let records = try #require(
            Self.number(after: "closed by its reader after ", in: run.stderr), "\(run.stderr)")
        // head took the header and 49,999 records; the pipe's buffer may hold a few hundred more it never read.
        #expect(records >= 49_999 && records < 60_000, "\(run.stderr)")
    }

    @Test("serve on stdin | head -n 50000: the log says the output was closed, with the records written")
    func serveCountsTheRecordsWritten() throws {
        let fixture = try ServeFixture.stdin("serve-reader-gone")
        defer { fixture.remove() }
        let input = try Self.bigInput(in: fixture.directory)
        let run = try SpawnedProcess.run(
            [
                "/bin/sh", "-c",
                "'\(Child.executable)' serve --config '\(fixture.configurationPath)' <'\(input)' | head -n 50000 >/dev/null",
            ], environment: fixture.environment([]))
        #expect(run.succeeded, "\(run.stderr)")
        #expect(run.stderr.contains("the output was closed by its reader"), "\(run.stderr)")
        let records = try #require(Self.number(after: "records=", in: run.stderr), "\(run.stderr)")
        #expect(records >= 49_999 && records < 60_000, "\(run.stderr)")
    }
}
