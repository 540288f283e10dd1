import TestSupport
import Testing

/// Issue 19, item 3 (RELIABILITY U4): rows that become dead letters are visible to the operator: one log line per
/// batch with the count, the stage and the first reason; the status file counts them and STATUS names them.
@Suite("vaewatch serve (PostgreSQL): dead letters are logged and shown")
struct ServeDeadLetterTests {
    @Test("NaN and Infinity rows: a log line per batch with count, stage and reason; status counts them")
    func deadLettersVisible() throws {
        let database = try KeyedDatabase(keyType: "bigint")
        let fixture = try ServeFixture("dead-letters", settings: try database.settings([("source.batch", "500")]))
        defer { fixture.remove() }
        let setUp = try database.run("init-db", in: fixture.directory)
        try #require(setUp.status == 0, "init-db: \(setUp.stderr)")
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(30))
        try database.insert(1...100, key: "i")
        let table = database.table
        try database.cluster.psql(
            """
            INSERT INTO \(table) SELECT 100 + k, 'NaN', x1, x2, x3, x4, x5, x6, x7 FROM \(table) WHERE k <= 3;
            INSERT INTO \(table) SELECT 104, x0, 'Infinity', x2, x3, x4, x5, x6, x7 FROM \(table) WHERE k = 4;
            """, database: database.name)
        let drained = eventually(within: .seconds(30)) {
            (try? database.count("SELECT count(*) FROM vaewatch.dead_letters")) == 4
                && (try? database.count("SELECT count(*) FROM vaewatch.scores")) == 100
        }
        #expect(drained, "\(daemon.errorText)")
        let status = fixture.waitForStatus(within: .seconds(5)) { $0.number("dead_letters") == 4 }
        #expect(status != nil, "status.json: \(fixture.status()?.description ?? "none")")
        let line = status?["status"] ?? ""
        print("STATUS with dead letters: \(line)")
        #expect(line.contains("4 dead letters (last: key 10"), "\(line)")
        #expect(line.contains("value is not finite"), "\(line)")

        let logged = daemon.lines(.stderr).map(\.text).filter { $0.contains("rows put in vaewatch.dead_letters") }
        print(logged.joined(separator: "\n"))
        #expect(!logged.isEmpty, "\(daemon.errorText)")
        #expect(logged.allSatisfy { $0.contains("dead_letters.stage=input") && $0.contains("dead_letters.reason=") })
        let counts = logged.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("dead_letters.count=") }.flatMap {
                Int($0.dropFirst("dead_letters.count=".count))
            }
        }
        #expect(counts.reduce(0, +) == 4, "one line per batch, counts adding up to the 4 rows: \(logged)")
        #expect(logged.contains { $0.contains("column x0: value is not finite (nan)") }, "\(logged)")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }
}
