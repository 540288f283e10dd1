import Detector
import Foundation
import PostgresStore
import TestSupport
import Testing

/// Issue 22, item 2: a batch that flags records sends one `NOTIFY vaewatch_anomalies` in its transaction, with a
/// small JSON payload; none for a batch without flags, none for one rolled back.
@Suite("PostgresStore: anomaly notifications")
struct AnomalyNoticeTests {
    /// The payload as JSON.
    static func object(_ payload: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
    }

    @Test("the payload: source, count, highest score, threshold, version and the flagged keys, as JSON")
    func payload() throws {
        // sampleVerdicts flags rows 0, 10 and 20 (score i/8) under threshold 3.5, version 7.
        let keys = (0..<25).map { "k\($0)" }
        let text = try #require(
            AnomalyNotice.payload(source: "public.metrics", keys: keys, verdicts: sampleVerdicts(count: 25)))
        let object = try Self.object(text)
        #expect(object["source"] as? String == "public.metrics")
        #expect(object["count"] as? Int == 3)
        #expect(object["max_score"] as? Double == 2.5)
        #expect(object["threshold"] as? Double == 3.5)
        #expect(object["model_version"] as? Int == 7)
        #expect(object["keys"] as? [String] == ["k0", "k10", "k20"])

        // Refused rows were not written: they are not announced.
        let written = try #require(
            AnomalyNotice.payload(
                source: "s", keys: keys, verdicts: sampleVerdicts(count: 25), refused: ["k10"]))
        #expect(try Self.object(written)["keys"] as? [String] == ["k0", "k20"])
        #expect(try Self.object(written)["count"] as? Int == 2)
        #expect(
            AnomalyNotice.payload(source: "s", keys: ["a", "b"], verdicts: sampleVerdicts(count: 2).unflagged) == nil)
    }

    @Test("long or odd keys stay within PostgreSQL's payload limit and come back as they were")
    func limits() throws {
        var verdicts = sampleVerdicts(count: 300)
        verdicts.isAnomaly = Array(repeating: true, count: 300)
        verdicts.score[7] = .infinity
        let keys = (0..<300).map { "key \"\($0)\"\n\\" + String(repeating: "é", count: 40) }
        let text = try #require(AnomalyNotice.payload(source: "s", keys: keys, verdicts: verdicts))
        #expect(text.utf8.count <= AnomalyNotice.byteLimit)
        let object = try Self.object(text)
        #expect(object["count"] as? Int == 300)
        #expect(object["max_score"] as? String == "Infinity")
        let listed = try #require(object["keys"] as? [String])
        #expect(listed.count > 10 && listed.count < 100, "as many keys as fit: \(listed.count)")
        #expect(listed == Array(keys.prefix(listed.count)))
        let short = (0..<300).map { "\($0)" }
        let many = try Self.object(try #require(AnomalyNotice.payload(source: "s", keys: short, verdicts: verdicts)))
        #expect((many["keys"] as? [String])?.count == AnomalyNotice.keyLimit)
    }

    @Test("one notification per committed batch with flags; none without flags, none rolled back, none when off")
    func delivered() throws {
        let database = try TestDatabase(migrated: true)
        let writer = try database.connect()
        let listener = try database.connect()
        try listener.execute("LISTEN vaewatch_anomalies")
        let sink = VerdictSink(source: "s", notifiesAnomalies: true)
        try sink.prepare(writer)
        func received() throws -> [String] {
            try listener.notifications(waitingUpTo: .milliseconds(300)).map(\.payload)
        }

        try writer.execute("BEGIN")
        let report = try sink.write(writer, keys: (0..<12).map { "a\($0)" }, rejected: []) { sampleVerdicts(count: 12) }
        try writer.execute("COMMIT")
        let first = try received()
        #expect(first.count == 1 && first.first == report.notice)
        #expect(try Self.object(try #require(first.first))["keys"] as? [String] == ["a0", "a10"])

        try writer.execute("BEGIN")
        let quiet = try sink.write(writer, keys: ["b0", "b1"], rejected: []) { sampleVerdicts(count: 2).unflagged }
        try writer.execute("COMMIT")
        #expect(quiet.notice == nil)
        #expect(try received().isEmpty, "a batch without flags sends nothing")

        try writer.execute("BEGIN")
        _ = try sink.write(writer, keys: ["c0"], rejected: []) { sampleVerdicts(count: 1) }
        try writer.execute("ROLLBACK")
        #expect(try received().isEmpty, "a rolled-back batch sends nothing")

        let silent = VerdictSink(source: "s")
        try writer.execute("BEGIN")
        _ = try silent.write(writer, keys: ["d0"], rejected: []) { sampleVerdicts(count: 1) }
        try writer.execute("COMMIT")
        #expect(try received().isEmpty, "with notifications off, nothing")
    }
}

extension Verdicts {
    /// These verdicts with no record flagged.
    fileprivate var unflagged: Verdicts {
        var copy = self
        copy.isAnomaly = Array(repeating: false, count: count)
        return copy
    }
}
