import Foundation
import TestSupport
import Testing

/// Issue 19, item 6: CSV in, JSON lines out keeps every column of the record, not only the key and the features:
/// text as strings, numbers with their own text, missing features as null.
@Suite("vaewatch score: CSV columns pass through to JSON lines")
struct PassThroughColumnsTests {
    /// 300 rows of `ts,host,cpu,mem,label` whose first two hold the cases: a quoted text with a comma, a number
    /// written `0.50` and one written `1e3`, an empty feature, a feature written `+2` (not JSON).
    static func input() -> String {
        var text = "ts,host,cpu,mem,label\n2026-01-01 00:00,\"web, \"\"one\"\"\",0.50,1e3,0\n"
        text += "2026-01-01 00:01,web2,,+2,1\n"
        var rng = SplitMix64(seed: 5)
        for i in 0..<300 {
            text += "2026-01-01 01:\(i % 60),h\(i),\(0.5 + 0.1 * rng.normal()),\(1000 + 50 * rng.normal()),0\n"
        }
        return text
    }

    @Test("without a key: line first, then every column in input order; text, number text and null kept")
    func everyColumnPasses() throws {
        let directory = try TestDirectory("pass-through")
        defer { directory.remove() }
        try directory.write(Array(Self.input().utf8), to: "in.csv")
        let result = try vaewatch(
            [
                "score", "--input", directory.file("in.csv"), "--ignore", "ts,host,label", "--output", "jsonl",
                "--epochs", "2",
            ], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 302)
        let first = try #require(result.lines.first)
        #expect(
            first.hasPrefix(
                "{\"line\":2,\"ts\":\"2026-01-01 00:00\",\"host\":\"web, \\\"one\\\"\",\"cpu\":0.50,\"mem\":1e3,"
                    + "\"label\":0,\"vaewatch\":{"), "\(first)")
        #expect(
            result.lines[1].hasPrefix(
                "{\"line\":3,\"ts\":\"2026-01-01 00:01\",\"host\":\"web2\",\"cpu\":null,\"mem\":2,\"label\":1,"),
            "\(result.lines[1])")
        for line in result.lines {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(Set(object.keys) == ["line", "ts", "host", "cpu", "mem", "label", "vaewatch"], "\(line)")
        }
    }

    @Test("with a key, the key stays where it is; an ignored column named vaewatch is left out, not doubled")
    func keyAndReservedName() throws {
        let directory = try TestDirectory("pass-through-key")
        defer { directory.remove() }
        let text = Self.input().replacing("ts,host,cpu,mem,label", with: "ts,host,cpu,mem,vaewatch")
        try directory.write(Array(text.utf8), to: "in.csv")
        let result = try vaewatch(
            [
                "score", "--input", directory.file("in.csv"), "--key", "host", "--ignore", "ts,vaewatch", "--output",
                "jsonl", "--epochs", "2",
            ], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.lines.first?.hasPrefix(
                "{\"ts\":\"2026-01-01 00:00\",\"host\":\"web, \\\"one\\\"\",\"cpu\":0.50,\"mem\":1e3,\"vaewatch\":{")
                == true, "\(result.lines.first ?? "")")
        #expect(result.lines.allSatisfy { $0.ranges(of: "\"vaewatch\":").count == 1 })
    }
}
