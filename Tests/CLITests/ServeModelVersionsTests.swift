import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 21, item 2: two daemons on one table, each the trainer in turn; the database allocates every stored
/// model's version, so no version is stored twice or replaced, and every checkpoint a daemon keeps (each model it put
/// in use, trained or taken from the registry) has the bytes of the registry row of its version: `model_version` in
/// `vaewatch.scores` names the bytes that scored the row.
@Suite("vaewatch serve (PostgreSQL): model versions from the database")
struct ServeModelVersionsTests {
    @Test("two daemons training one table in turn: distinct versions, each checkpoint the registry's bytes")
    func versionsFromTheDatabase() throws {
        let directory = try TestDirectory("versions-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let settings = try database.settings([
            ("source.batch", "250"), ("training.every_records", "1500"), ("training.epochs", "2"),
        ])
        let fixtures = [
            try ServeFixture("versions-a", settings: settings), try ServeFixture("versions-b", settings: settings),
        ]
        defer { for fixture in fixtures { fixture.remove() } }
        let daemons = try fixtures.map { try $0.start() }
        defer { for daemon in daemons { _ = daemon.kill() } }
        for (fixture, daemon) in zip(fixtures, daemons) { try fixture.awaitReady(daemon, within: .seconds(15)) }
        var next = 1
        func feed() {
            try? database.insert(from: next, count: 500)
            next += 500
            pauseThread(.milliseconds(100))
        }
        func retrains(_ fixture: ServeFixture) -> Int { Int(fixture.status()?.number("retrains") ?? 0) }
        let transcript = {
            "\(fixtures.map { $0.status()?.description ?? "no status" })\n"
                + daemons.map(\.errorText).joined(separator: "\n")
        }
        // The daemon that holds the trainer lock retrains twice; then it is killed, and the other, now the trainer,
        // retrains twice: both keep checkpoints of models they trained and of models they took from the registry.
        let first = eventually(within: .seconds(120)) {
            feed()
            return fixtures.contains { retrains($0) >= 2 }
        }
        #expect(first, "one daemon retrains twice: \(transcript())")
        guard first, let leader = fixtures.firstIndex(where: { retrains($0) >= 2 }) else { return }
        let caughtUp = eventually(within: .seconds(10)) {
            pauseThread(.milliseconds(100))
            return fixtures[1 - leader].status()?.number("model_version")
                == fixtures[leader].status()?.number("model_version")
        }
        #expect(caughtUp, "the other daemon takes the trainer's model: \(transcript())")
        // Killed, not stopped: a clean stop checkpoints a moved threshold under the same version.
        _ = daemons[leader].kill()
        let second = eventually(within: .seconds(120)) {
            feed()
            return retrains(fixtures[1 - leader]) >= 2
        }
        #expect(second, "the other daemon, now the trainer, retrains twice: \(transcript())")
        guard second else { return }
        _ = daemons[1 - leader].kill()

        let rows = try database.cluster.psql(
            "SELECT version, encode(bytes, 'hex') FROM vaewatch.models ORDER BY version", database: database.name
        ).split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        let registry = Dictionary(uniqueKeysWithValues: rows.map { (Int($0[0]) ?? -1, $0[1]) })
        let retrained = fixtures.map(retrains)
        #expect(
            registry.count >= retrained.reduce(0, +), "every retrain stored: \(registry.keys.sorted()), \(retrained)")
        var checked = 0
        for fixture in fixtures {
            let folder = fixture.stateDirectory + "/checkpoints"
            for name in directoryEntries(folder) ?? [] where name.hasPrefix("model-v") && name.hasSuffix(".vwm") {
                let version = Int(name.dropFirst("model-v".count).dropLast(".vwm".count)) ?? -1
                guard version > 1 else { continue }  // Version 1 is the model file both started from.
                let stored = try #require(
                    registry[version], "\(folder)/\(name): no registry row for version \(version)")
                let bytes = try readFile(folder + "/" + name)
                let same = hex(bytes) == stored
                #expect(same, "\(folder)/\(name) (\(bytes.count) bytes) differs from registry version \(version)")
                checked += 1
            }
        }
        print(
            "model versions: registry \(registry.keys.sorted()); retrains per daemon \(retrained); \(checked) checkpoints checked"
        )
        #expect(checked >= retrained.reduce(0, +), "each daemon keeps a checkpoint of each model it retrained")
        let used = try database.cluster.psql(
            "SELECT DISTINCT model_version FROM vaewatch.scores ORDER BY 1", database: database.name
        ).split(separator: "\n").compactMap { Int($0) }
        #expect(
            used.allSatisfy { $0 == 1 || registry[$0] != nil }, "every version that scored a row is stored: \(used)")
    }

    private func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
