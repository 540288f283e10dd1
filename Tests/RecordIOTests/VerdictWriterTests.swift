import Compute
import Detector
import Foundation
import Testing

@testable import RecordIO
@testable import RecordParsing

/// ``VerdictWriter``: CSV lines keep their bytes and gain five columns, JSON objects gain a `vaewatch` key and
/// stay valid JSON, `--only-anomalies` filters, and records change format when asked to.
@Suite struct VerdictWriterTests {
    /// The output for records parsed from `text` (lines numbered from 2) with hand-made verdicts.
    private func written(
        _ text: String, from input: RecordFormat, to output: RecordFormat, names: [String], key: String? = nil,
        anomalies: Set<Int> = [], onlyAnomalies: Bool = false, latentMean: Matrix? = nil
    ) throws -> (lines: [String], parsed: ParsedLines, writer: VerdictWriter) {
        let plan = try RecordIOFixtures.plan(names, key: key)
        let lines = RecordIOLines(text)
        let parsed = RecordParser(format: input, plan: plan, source: "in", strict: false).parse(lines.batch, pool: nil)
        var verdicts = RecordIOFixtures.verdicts(
            count: parsed.count, anomalies: anomalies, featureNames: plan.featureNames)
        verdicts.latentMean = latentMean
        let writer = VerdictWriter(input: input, output: output, plan: plan, onlyAnomalies: onlyAnomalies)
        let buffers = writer.format(parsed, bytes: lines.batch.bytes, verdicts: verdicts, pool: nil).buffers
        var bytes: [UInt8] = []
        for buffer in buffers { bytes += UnsafeBufferPointer(start: buffer.bytes, count: buffer.count) }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.isEmpty || text.hasSuffix("\n"))
        return (
            text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init), parsed, writer
        )
    }

    /// `line` as a JSON object, or nil when it is not valid JSON.
    private func object(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    @Test func csvLinesAreKeptAndGainTheVerdictColumns() throws {
        let input = "x1,1.5,2\n\"q,1\", 3 ,\nx3,bad,1\nx4,-0,1e-7\n"
        let (lines, parsed, writer) = try written(
            input, from: .csv, to: .csv, names: ["id", "a", "b"], key: "id", anomalies: [1])
        #expect(parsed.count == 3)
        #expect(
            lines == [
                "x1,1.5,2,1.5,1,0.5,2.75,0", "\"q,1\", 3 ,,2.5,2,0.5,2.75,1", "x4,-0,1e-7,3.5,3,0.5,2.75,0",
            ])
        let header = String(decoding: writer.header(inputHeader: Array("id,a,b".utf8)), as: UTF8.self)
        #expect(header == "id,a,b,score,recon,kl,threshold,anomaly\n")
    }

    @Test func jsonVerdictsCarryTheLatentMeanAndCSVKeepsItsColumns() throws {
        // [2, 3]: plain numbers, then what overflow inside the network leaves.
        let latent = Matrix(rows: 2, cols: 3, storage: [0.5, -1.25, 0.1, .infinity, -.infinity, .nan])
        let json = try written(
            "{\"a\":1}\n{\"a\":2}\n", from: .jsonl, to: .jsonl, names: ["a"], latentMean: latent)
        #expect(json.writer.carriesLatentMean)
        #expect(
            json.lines[0].hasSuffix(",\"missing\":0,\"model_version\":3,\"latent\":[0.5,-1.25,0.1]}}"), "\(json.lines)")
        #expect(json.lines[1].hasSuffix(",\"model_version\":3,\"latent\":[1e999,-1e999,null]}}"), "\(json.lines)")
        let verdict = try #require(object(json.lines[0])?["vaewatch"] as? [String: Any], "\(json.lines[0])")
        #expect(verdict["latent"] as? [Double] == [0.5, -1.25, 0.1])
        let converted = try written("1\n2\n", from: .csv, to: .jsonl, names: ["a"], latentMean: latent)
        #expect(converted.lines[0].hasSuffix(",\"latent\":[0.5,-1.25,0.1]}}"), "\(converted.lines)")
        let without = try written("{\"a\":1}\n", from: .jsonl, to: .jsonl, names: ["a"])
        #expect(!without.lines[0].contains("latent"), "verdicts without μ write no latent key")

        let csv = try written("1,2\n3,4\n", from: .csv, to: .csv, names: ["a", "b"], latentMean: latent)
        #expect(!csv.writer.carriesLatentMean)
        #expect(csv.lines == ["1,2,1.5,1,0.5,2.75,0", "3,4,2.5,2,0.5,2.75,0"])
        let fromJSON = try written(
            "{\"a\":1}\n{\"a\":2}\n", from: .jsonl, to: .csv, names: ["a"], latentMean: latent)
        #expect(fromJSON.lines == ["2,1,1.5,1,0.5,2.75,0", "3,2,2.5,2,0.5,2.75,0"])
    }

    @Test("a reader that goes away partway took the records whose bytes all reached it, left-out ones counted")
    func recordsWithinAWrittenPrefix() throws {
        let plan = try RecordIOFixtures.plan(["a", "b"], key: nil)
        let lines = RecordIOLines("1,2\n3,4\n5,6\n7,8\n")
        let parsed = RecordParser(format: .csv, plan: plan, source: "in", strict: false).parse(lines.batch, pool: nil)
        let verdicts = RecordIOFixtures.verdicts(count: 4, anomalies: [1, 3], featureNames: plan.featureNames)
        let all = VerdictWriter(input: .csv, output: .csv, plan: plan, onlyAnomalies: false)
            .format(parsed, bytes: lines.batch.bytes, verdicts: verdicts, pool: nil)
        // Each output line is "x,y" plus ",score,recon,0.5,2.75,flag": 21 bytes with its newline.
        #expect(all.ends == [21, 42, 63, 84])
        #expect([0, 20, 21, 41, 42, 83, 84].map(all.records(within:)) == [0, 0, 1, 1, 2, 3, 4])
        let anomalies = VerdictWriter(input: .csv, output: .csv, plan: plan, onlyAnomalies: true)
            .format(parsed, bytes: lines.batch.bytes, verdicts: verdicts, pool: nil)
        // Records 0 and 2 are left out; record 0 is handled before the first byte, record 2 with record 1.
        #expect(anomalies.ends == [0, 21, 21, 42])
        #expect([0, 20, 21, 41, 42].map(anomalies.records(within:)) == [1, 1, 3, 3, 4])
    }

    @Test func onlyAnomaliesAreWrittenWhenAsked() throws {
        let input = "1,2\n3,4\n5,6\n7,8\n"
        let csv = try written(input, from: .csv, to: .csv, names: ["a", "b"], anomalies: [1, 3], onlyAnomalies: true)
        #expect(csv.lines == ["3,4,2.5,2,0.5,2.75,1", "7,8,4.5,4,0.5,2.75,1"])
        let json = try written(
            "{\"a\":1}\n{\"a\":2}\n", from: .jsonl, to: .jsonl, names: ["a"], anomalies: [0], onlyAnomalies: true)
        #expect(json.lines.count == 1)
        #expect(json.lines.first?.hasPrefix("{\"a\":1,\"vaewatch\":{") == true)
        let none = try written(input, from: .csv, to: .csv, names: ["a", "b"], onlyAnomalies: true)
        #expect(none.lines.isEmpty)
    }

    @Test func jsonObjectsGainTheVerdictKeyBeforeTheirClosingBrace() throws {
        let input =
            "{\"id\":\"x1\",\"a\":1.5,\"b\":2}\n{}\n{\"a\":1, \"b\":2}   \n  { \"a\" : 3 , \"note\":\"}\" }\n{ }\t\n"
        let (lines, parsed, _) = try written(
            input, from: .jsonl, to: .jsonl, names: ["id", "a", "b"], key: "id", anomalies: [2])
        #expect(parsed.count == 5)
        #expect(lines.count == 5)
        #expect(
            lines.first
                == "{\"id\":\"x1\",\"a\":1.5,\"b\":2,\"vaewatch\":{\"score\":1.5,\"recon\":1,\"kl\":0.5,"
                + "\"threshold\":2.75,\"anomaly\":false,\"top\":[{\"feature\":\"a\",\"share\":0.75}],\"missing\":0,"
                + "\"model_version\":3}}")
        #expect(lines[1].hasPrefix("{\"vaewatch\":{"))
        for (i, line) in lines.enumerated() {
            let parsedLine = try #require(object(line), "not valid JSON: \(line)")
            let verdict = try #require(parsedLine["vaewatch"] as? [String: Any], "no verdict in \(line)")
            #expect((verdict["score"] as? Double) == 1.5 + Double(i))
            #expect((verdict["anomaly"] as? Bool) == (i == 2))
            #expect((verdict["missing"] as? Int) == i % 3)
            #expect((verdict["model_version"] as? Int) == 3)
            let top = try #require(verdict["top"] as? [[String: Any]])
            #expect(top.count == 1)
            #expect((top.first?["feature"] as? String) == "a")
        }
        #expect((object(lines[3])?["note"] as? String) == "}")
        #expect((object(lines[2])?["b"] as? Int) == 2)
    }

    @Test func jsonObjectEndingInACarriageReturnStaysValid() throws {
        // "{…}\r\r\n" reaches the writer as "{…}\r": the reader takes one "\r" off, and JSON allows the other.
        let (lines, parsed, _) = try written("{\"a\":1,\"b\":2}\r\n", from: .jsonl, to: .jsonl, names: ["a", "b"])
        #expect(parsed.count == 1)
        #expect(object(lines.first ?? "") != nil, "not valid JSON: \(lines)")
    }

    @Test func csvRecordsBecomeJSONObjects() throws {
        let (lines, _, writer) = try written(
            "1.5,\n-2,1e-7\n", from: .csv, to: .jsonl, names: ["a", "b"], anomalies: [1])
        #expect(writer.header(inputHeader: Array("a,b".utf8)).isEmpty)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("{\"line\":2,\"a\":1.5,\"b\":null,\"vaewatch\":{\"score\":1.5,") == true)
        let second = try #require(object(lines[1]))
        #expect((second["line"] as? Int) == 3)
        #expect((second["a"] as? Double) == -2)
        #expect((second["b"] as? Double).map { Float($0) } == Float(1e-7))
        #expect(((second["vaewatch"] as? [String: Any])?["anomaly"] as? Bool) == true)
        let keyed = try written("\"x \"\"1\"\"\",4,5\n", from: .csv, to: .jsonl, names: ["id", "a", "b"], key: "id")
        #expect(keyed.lines.first?.hasPrefix("{\"id\":\"x \\\"1\\\"\",\"a\":4,\"b\":5,\"vaewatch\":{") == true)
        #expect(object(keyed.lines.first ?? "") != nil)
    }

    @Test func jsonObjectsBecomeCSVRecords() throws {
        let (lines, _, writer) = try written(
            "{\"b\":2,\"a\":1.5,\"x\":[]}\n{\"a\":null}\n", from: .jsonl, to: .csv, names: ["a", "b"], anomalies: [0])
        #expect(
            String(decoding: writer.header(inputHeader: nil), as: UTF8.self)
                == "line,a,b,score,recon,kl,threshold,anomaly\n")
        #expect(lines == ["2,1.5,2,1.5,1,0.5,2.75,1", "3,,,2.5,2,0.5,2.75,0"])
        let keyed = try written(
            "{\"id\":\"x,1\",\"a\":1}\n{\"a\":2,\"id\":7}\n", from: .jsonl, to: .csv, names: ["id", "a"], key: "id")
        #expect(keyed.lines == ["\"x,1\",1,1.5,1,0.5,2.75,0", "7,2,2.5,2,0.5,2.75,0"])
        #expect(String(decoding: keyed.writer.header(inputHeader: nil), as: UTF8.self).hasPrefix("id,a,score,"))
    }
}
