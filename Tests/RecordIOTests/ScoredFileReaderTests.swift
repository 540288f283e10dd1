import Detector
import TestSupport
import Testing

@testable import RecordIO
@testable import RecordParsing

/// Reading back what `vaewatch score` wrote, for `vaewatch report`.
@Suite("ScoredFileReader")
struct ScoredFileReaderTests {
    /// Writes `text` to `name` in `directory` and reads it back with `format` (nil: guessed) and `last`.
    static func read(
        _ text: String, name: String, in directory: TestDirectory, format: RecordFormat? = nil, last: Int? = nil
    ) throws -> ScoredFile {
        try directory.write(Array(text.utf8), to: name)
        return try ScoredFileReader.read(path: directory.file(name), format: format, last: last)
    }

    @Test("CSV: the verdict columns are the last of their names, inf is +∞, record numbers skip the header")
    func csv() throws {
        let directory = try TestDirectory("scored")
        defer { directory.remove() }
        let text = #"""
            id,score,note,score,recon,kl,threshold,anomaly
            a,100,"x, ""y""",0.5,0.25,0.5,9.5,0
            b,100,plain,inf,inf,3,9.5,1
            c,100, spaced ,12.75,10,5.5,9.5,1

            """#
        let file = try Self.read(text, name: "scored.csv", in: directory)
        #expect(file.format == .csv)
        #expect(!file.hasFeatureShares)
        #expect(file.totalRecords == 3)
        #expect(
            file.records == [
                ScoredFileRecord(
                    number: 1, line: 2,
                    verdict: ScoredRecord(score: 0.5, recon: 0.25, kl: 0.5, threshold: 9.5, isAnomaly: false)),
                ScoredFileRecord(
                    number: 2, line: 3,
                    verdict: ScoredRecord(score: .infinity, recon: .infinity, kl: 3, threshold: 9.5, isAnomaly: true)),
                ScoredFileRecord(
                    number: 3, line: 4,
                    verdict: ScoredRecord(score: 12.75, recon: 10, kl: 5.5, threshold: 9.5, isAnomaly: true)),
            ])
    }

    @Test(
        "JSON lines: the vaewatch object with its top features and model version; other keys skipped whatever they hold"
    )
    func jsonLines() throws {
        let directory = try TestDirectory("scored")
        defer { directory.remove() }
        let text = #"""
            {"id":1,"tags":{"a":[1,{"b":null}],"vaewatch_like":"x"},"vaewatch":{"score":0.5,"recon":0.25,"kl":0.5,"threshold":9.5,"anomaly":false,"top":[],"missing":0,"model_version":1}}

            {"vaewatch":{"score":1e999,"recon":1e999,"kl":2,"threshold":9.5,"anomaly":true,"top":[{"feature":"cpu \"load\"","share":0.75},{"feature":"mem","share":0.25}],"missing":1,"model_version":2},"after":[true]}
               {"id":"c", "vaewatch" : { "threshold" : 12, "score" : 13.5, "anomaly" : true, "extra" : {"nested":[1,2]} } }

            """#
        let file = try Self.read(text, name: "scored.jsonl", in: directory)
        #expect(file.format == .jsonl)
        #expect(file.hasFeatureShares)
        #expect(
            file.records == [
                ScoredFileRecord(
                    number: 1, line: 1,
                    verdict: ScoredRecord(
                        score: 0.5, recon: 0.25, kl: 0.5, threshold: 9.5, isAnomaly: false, modelVersion: 1)),
                ScoredFileRecord(
                    number: 2, line: 3,
                    verdict: ScoredRecord(
                        score: .infinity, recon: .infinity, kl: 2, threshold: 9.5, isAnomaly: true, modelVersion: 2,
                        top: [.init(feature: "cpu \"load\"", share: 0.75), .init(feature: "mem", share: 0.25)])),
                ScoredFileRecord(
                    number: 3, line: 4,
                    verdict: ScoredRecord(score: 13.5, recon: nil, kl: nil, threshold: 12, isAnomaly: true)),
            ])
    }

    @Test("the format comes from --format, else the name, else the first character")
    func format() throws {
        let directory = try TestDirectory("scored")
        defer { directory.remove() }
        let json = "{\"vaewatch\":{\"score\":1,\"threshold\":2,\"anomaly\":false}}\n"
        let csv = "score,threshold,anomaly\n1,2,0\n"
        #expect(try Self.read(json, name: "a.ndjson", in: directory).format == .jsonl)
        #expect(try Self.read(json, name: "a.out", in: directory).format == .jsonl)
        #expect(try Self.read("\u{FEFF}\n  " + json, name: "b.out", in: directory).format == .jsonl)
        #expect(try Self.read(csv, name: "c.out", in: directory).format == .csv)
        #expect(try Self.read(csv, name: "d.jsonl", in: directory, format: .csv).records.count == 1)
        #expect(
            throws: RecordIOError(
                .usage, "cannot tell whether standard input is CSV or JSON lines: give --format csv or --format jsonl")
        ) {
            try ScoredFileReader.read(path: "-", format: nil)
        }
    }

    @Test("--last keeps the most recent records and counts them all")
    func last() throws {
        let directory = try TestDirectory("scored")
        defer { directory.remove() }
        let rows = (1...50).map { "\($0),9,\($0 % 10 == 0 ? 1 : 0)" }.joined(separator: "\n")
        let file = try Self.read("score,threshold,anomaly\n" + rows + "\n", name: "s.csv", in: directory, last: 7)
        #expect(file.totalRecords == 50)
        #expect(file.records.map(\.number) == Array(44...50))
        #expect(file.records.map(\.verdict.score) == (44...50).map(Double.init))
        #expect(file.records.filter(\.verdict.isAnomaly).map(\.number) == [50])
    }
}
