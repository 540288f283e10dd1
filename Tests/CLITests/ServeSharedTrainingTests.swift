import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 21, second done-when and items 4 and 5: of three daemons on one table, the leader trains every model, on a
/// window that holds every daemon's records, whichever daemon was asked to retrain; every verdict names the bytes
/// that scored it and the daemon that wrote it; every daemon ends on the same version within a second.
@Suite("vaewatch serve (PostgreSQL): one trainer's models on every daemon")
struct ServeSharedTrainingTests {
    @Test("three daemons, each retrain asked of another in turn, 30,000 rows: each verdict's version scored it")
    func retrainsAskedOfEachDaemon() throws {
        let directory = try TestDirectory("shared-training")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let settings = try database.settings([
            ("source.batch", "250"), ("training.every_records", "0"), ("training.epochs", "2"),
            ("state.keep", "10"),
        ])
        let fixtures = try (0..<3).map { try ServeFixture("shared-\($0)", settings: settings) }
        defer { for fixture in fixtures { fixture.remove() } }
        let daemons = try fixtures.map { try $0.start() }
        defer { for daemon in daemons { _ = daemon.kill() } }
        for (fixture, daemon) in zip(fixtures, daemons) { try fixture.awaitReady(daemon, within: .seconds(15)) }
        var next = 1
        func feed(_ rows: Int) {
            try? database.insert(from: next, count: rows)
            next += rows
        }
        func roles() -> [String] { fixtures.map { $0.status()?["role"] ?? "none" } }
        func versions() -> [Int] { fixtures.map { Int($0.status()?.number("model_version") ?? 0) } }
        func transcript() -> String {
            "\(fixtures.map { $0.status()?.description ?? "no status" })\n"
                + daemons.map(\.errorText).joined(separator: "\n---\n")
        }
        let settled = eventually(within: .seconds(20)) {
            pauseThread(.milliseconds(100))
            return roles().sorted() == ["follower", "follower", "leader"]
        }
        #expect(settled, "one leader, two followers: \(roles())\n\(transcript())")
        guard settled, let leader = roles().firstIndex(of: "leader") else { return }

        // 30,000 rows in six parts; after each, SIGUSR1 to the next daemon in turn (a follower forwards it).
        var asked: [Int] = []
        for part in 0..<6 {
            for _ in 0..<10 {
                feed(500)
                pauseThread(.milliseconds(60))
            }
            // The leader reads the others' verdicts about 1 to 3 s after they are scored (PeerVerdicts).
            pauseThread(.milliseconds(3_500))
            let target = part % 3
            let before = versions()[leader]
            #expect(daemons[target].signal(SIGUSR1))
            asked.append(target)
            let everywhere = eventually(within: .seconds(60)) {
                pauseThread(.milliseconds(50))
                let now = versions()
                return now[leader] > before && Set(now).count == 1
            }
            #expect(everywhere, "retrain \(part + 1), asked of daemon \(target): \(versions())\n\(transcript())")
            guard everywhere else { return }
        }
        let drained = eventually(within: .seconds(60)) {
            pauseThread(.milliseconds(100))
            return (try? database.queued()) == 0
        }
        #expect(drained, "the queue drains: \(transcript())")
        let audit = try database.audit()
        #expect(audit.rows == 30_000 && audit.lost == 0 && audit.duplicated == 0 && audit.strays == 0, "\(audit)")

        // The leader trained every model, and the retrains table names it.
        let leaderInstance = "\(try #require(fixtures[leader].status()?["pid"]))"
        let trainers = try database.cluster.psql(
            "SELECT DISTINCT instance FROM vaewatch.retrains WHERE outcome = 'ok'", database: database.name)
        #expect(trainers.hasSuffix(":" + leaderInstance) && !trainers.contains("\n"), "trainers: \(trainers)")
        // Its window held every daemon's records, not only the third it scored itself.
        let windows = try database.cluster.psql(
            """
            SELECT t.records,
                   (SELECT count(*) FROM vaewatch.scores s WHERE s.scored_at < t.started_at),
                   (SELECT count(*) FROM vaewatch.scores s WHERE s.scored_at < t.started_at
                        AND s.scored_by = t.instance)
            FROM vaewatch.retrains t ORDER BY t.id
            """, database: database.name
        ).split(separator: "\n").map { $0.split(separator: "|").compactMap { Int($0) } }
        for window in windows where window.count == 3 {
            #expect(
                window[0] > window[2] + window[2] / 2 && window[0] * 10 >= window[1] * 8,
                "window of \(window[0]) records; \(window[1]) scored before the retrain, \(window[2]) by the leader")
        }
        let writers = try database.cluster.psql(
            "SELECT count(DISTINCT scored_by) FROM vaewatch.scores", database: database.name)
        #expect(writers == "3", "every daemon wrote verdicts, each under its own name")

        // No two registry rows share a version; every checkpoint any daemon keeps has its registry row's bytes.
        let registry = try Self.registry(database)
        #expect(registry.count == 6, "six retrains, six stored models: \(registry.keys.sorted())")
        var checkpoints = 0
        for fixture in fixtures {
            let folder = fixture.stateDirectory + "/checkpoints"
            for name in directoryEntries(folder) ?? [] where name.hasPrefix("model-v") && name.hasSuffix(".vwm") {
                let version = Int(name.dropFirst("model-v".count).dropLast(".vwm".count)) ?? -1
                guard version > 1 else { continue }  // Version 1 is the model file all three started from.
                let stored = try #require(registry[version], "\(folder)/\(name): no registry row for v\(version)")
                #expect(try readFile(folder + "/" + name) == stored, "\(folder)/\(name) differs from the registry")
                checkpoints += 1
            }
        }
        #expect(checkpoints >= 3 * 6, "each daemon keeps a checkpoint of each model it used: \(checkpoints)")

        // Every daemon put each new version in use within a second of the leader, which stores it before it uses
        // it; and no daemon wrote a verdict under a version it never put in use (its log of swaps).
        var slowest = 0.0
        let swaps = daemons.map(Self.swaps)
        for version in registry.keys.sorted() {
            let times = swaps.compactMap { $0[version] }
            #expect(times.count == 3, "v\(version) put in use by \(times.count) of 3 daemons")
            guard let first = times.min(), let last = times.max() else { continue }
            slowest = max(slowest, last - first)
        }
        #expect(slowest <= 1, "the last daemon put a new version in use \(slowest) s after the leader")
        for (index, fixture) in fixtures.enumerated() {
            let pid = "\(fixture.status()?["pid"] ?? "?")"
            let used = try database.cluster.psql(
                "SELECT DISTINCT model_version FROM vaewatch.scores WHERE scored_by LIKE '%:\(pid)' ORDER BY 1",
                database: database.name
            ).split(separator: "\n").compactMap { Int($0) }
            let swapped = Set(swaps[index].keys).union([1])
            #expect(used.allSatisfy(swapped.contains), "daemon \(index) wrote \(used), swapped in \(swapped.sorted())")
        }

        // Every row's model_version names bytes that score it as stored: rescored offline with those bytes, a
        // sample of each version's rows gets the stored scores, and gets other scores from another version's bytes.
        var rescored = 0
        var models = [1: try ServeModel.path()]
        for (version, bytes) in registry {
            try directory.write(bytes, to: "v\(version).vwm")
            models[version] = directory.file("v\(version).vwm")
        }
        let used = try database.cluster.psql(
            "SELECT DISTINCT model_version FROM vaewatch.scores ORDER BY 1", database: database.name
        ).split(separator: "\n").compactMap { Int($0) }
        for version in used {
            let path = try #require(models[version], "v\(version) scored rows but is in no registry row")
            let (csv, stored) = try Self.sample(database, version: version)
            let scores = try Self.rescore(csv, model: path, in: directory)
            #expect(scores.count == stored.count)
            for (mine, theirs) in zip(scores, stored) {
                #expect(abs(mine - theirs) <= 1e-4 * max(1, abs(theirs)), "v\(version): \(mine) vs stored \(theirs)")
            }
            rescored += scores.count
            if let other = used.first(where: { $0 != version }), let otherPath = models[other] {
                let wrong = try Self.rescore(csv, model: otherPath, in: directory)
                #expect(
                    zip(wrong, stored).contains { abs($0 - $1) > 1e-4 * max(1, abs($1)) },
                    "v\(other)'s bytes must score v\(version)'s rows differently, or this check proves nothing")
            }
        }
        print(
            "shared training: retrains asked of daemons \(asked), leader \(leader); windows (records, scored before, "
                + "by the leader) \(windows); registry \(registry.keys.sorted()); "
                + "\(checkpoints) checkpoints equal to the registry; slowest daemon to take a version \(slowest) s; "
                + "\(rescored) verdicts of \(used.count) versions rescored from their bytes; \(audit)")
    }

    /// The registry's models, by version.
    static func registry(_ database: ServeDatabase) throws -> [Int: [UInt8]] {
        let rows = try database.cluster.psql(
            "SELECT version, encode(bytes, 'hex') FROM vaewatch.models ORDER BY version", database: database.name
        ).split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        var models: [Int: [UInt8]] = [:]
        for row in rows where row.count == 2 {
            let digits = Array(row[1].utf8)
            models[Int(row[0]) ?? -1] = stride(from: 0, to: digits.count - 1, by: 2).map {
                UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) ?? 0
            }
        }
        return models
    }

    /// When the daemon put each version in use (the harness's clock): the leader's "retrain finished" and a
    /// follower's "model from the registry in use" lines.
    static func swaps(_ daemon: DaemonProcess) -> [Int: Double] {
        var swaps: [Int: Double] = [:]
        for line in daemon.lines(.stderr)
        where line.text.contains("retrain finished; new model in use")
            || line.text.contains("model from the registry in use")
        {
            guard let field = line.text.split(separator: " ").first(where: { $0.hasPrefix("model.version=") }),
                let version = Int(field.dropFirst("model.version=".count))
            else { continue }
            swaps[version] = swaps[version] ?? line.time
        }
        return swaps
    }

    /// Up to 200 rows scored by `version`, as CSV with a header (id, x0…x7), and their stored scores.
    static func sample(_ database: ServeDatabase, version: Int) throws -> (csv: String, scores: [Double]) {
        let columns = (0..<8).map { "r.x\($0)" }.joined(separator: ", ")
        let rows = try database.cluster.psql(
            """
            SELECT r.id, \(columns), s.score FROM vaewatch.scores s
            JOIN public.metrics r ON r.id = s.source_id::bigint
            WHERE s.model_version = \(version) ORDER BY r.id LIMIT 200
            """, database: database.name
        ).split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        let header = "id," + (0..<8).map { "x\($0)" }.joined(separator: ",")
        let lines = rows.map { $0.dropLast().joined(separator: ",") }
        let csv = ([header] + lines).joined(separator: "\n") + "\n"
        return (csv, rows.compactMap { $0.last.flatMap { Double($0) } })
    }

    /// The scores `vaewatch score` gives the records of `csv` with the model at `model`.
    static func rescore(_ csv: String, model: String, in directory: TestDirectory) throws -> [Double] {
        let result = try vaewatch(
            ["score", "--model", model, "--key", "id", "--input", "-"], input: Array(csv.utf8), in: directory)
        try #require(result.status == 0, "\(result.stderr)")
        // Each line: the input's 9 columns, then score, recon, kl, threshold, anomaly.
        return result.lines.dropFirst().compactMap { line in
            let fields = line.split(separator: ",")
            return fields.count == 14 ? Double(fields[9]) : nil
        }
    }
}
