import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A record enters the training window once. After a backfill the daemon filled its window from the table's recent
/// rows and then added the same rows again as it scored them (5,989 records for 3,003 rows), and six retrains on
/// unchanged data moved the threshold from 4.27 to 12.3. Here every retrain must learn from the 3,000 rows once, and
/// neither the threshold nor the flagged rate may wander.
@Suite("vaewatch serve (PostgreSQL): repeated retrains on unchanged data")
struct ServeRepeatedRetrainTests {
    @Test("six SIGUSR1 retrains on 3,000 unchanged rows: 3,000 records each, threshold and flagged rate stable")
    func sixRetrains() throws {
        let directory = try TestDirectory("retrain-six-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let fixture = try ServeFixture(
            "retrain-six",
            settings: try database.settings([
                ("source.batch", "500"), ("training.every_records", "0"), ("training.epochs", "30"),
                ("model.min_steps", "0"),
            ]))
        defer { fixture.remove() }
        try database.insert(from: 1, count: 3_000)
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        try #require(
            eventually(within: .seconds(60)) { (try? database.scored()) == 3_000 && (try? database.queued()) == 0 },
            "\(daemon.errorText)")

        var thresholds: [Double] = []
        var records: [Int] = []
        var flaggedRates: [Double] = []
        for round in 1...6 {
            #expect(daemon.signal(SIGUSR1))
            let finished = eventually(within: .seconds(120)) {
                Self.finishedLines(daemon).count >= round
            }
            try #require(finished, "retrain \(round) did not finish:\n\(daemon.errorText)")
            let line = Self.finishedLines(daemon)[round - 1]
            thresholds.append(Double(Self.value("model.threshold", in: line)) ?? .nan)
            records.append(Int(Self.value("retrain.records", in: line)) ?? -1)
            if round == 1 || round == 6 {
                // Score the same rows again with the model in use: the flagged rate of the data it learned from.
                let before = try database.count(
                    "SELECT count(*) FROM vaewatch.scores WHERE model_version = \(round + 1)")
                let backfill = try vaewatch(
                    ["backfill", "--database", database.conninfo, "--source", ServeDatabase.source, "--key", "id"],
                    in: directory)
                #expect(backfill.status == 0, "\(backfill.stderr)")
                let rescored = eventually(within: .seconds(60)) {
                    (try? database.count(
                        "SELECT count(*) FROM vaewatch.scores WHERE model_version = \(round + 1)")) == 3_000
                }
                #expect(rescored && before < 3_000, "rescored with version \(round + 1)")
                flaggedRates.append(
                    Double(try database.count("SELECT count(*) FROM vaewatch.scores WHERE is_anomaly")) / 3_000)
            }
        }
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        print(
            "six retrains: records \(records), thresholds \(thresholds.map { ($0 * 100).rounded() / 100 }), "
                + "flagged \(flaggedRates.map { ($0 * 10_000).rounded() / 100 }) %")
        #expect(records.allSatisfy { $0 == 3_000 }, "each retrain learns each row once: \(records)")
        let spread = (thresholds.max() ?? .nan) / (thresholds.min() ?? .nan)
        #expect(spread < 1.5, "thresholds \(thresholds)")
        if flaggedRates.count == 2 {
            #expect(flaggedRates[1] < 0.05 && flaggedRates[1] <= 2 * flaggedRates[0] + 0.005, "\(flaggedRates)")
        }
    }

    /// The daemon's "retrain finished" log lines so far.
    static func finishedLines(_ daemon: DaemonProcess) -> [Substring] {
        daemon.errorText.split(separator: "\n").filter { $0.contains("retrain finished") }
    }

    /// The value of `name=` in a log line (quoted or not).
    static func value(_ name: String, in line: Substring) -> String {
        let field = line.split(separator: " ").first { $0.hasPrefix(name + "=") }
        return String(field?.dropFirst(name.count + 1).filter { $0 != "\"" } ?? "")
    }
}

extension ServeDatabase {
    /// One number from `sql`.
    func count(_ sql: String) throws -> Int { Int(try cluster.psql(sql, database: name)) ?? -1 }
}
