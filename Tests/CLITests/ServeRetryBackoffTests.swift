import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 17, item 8: a daemon whose role may not read the source table retries with the capped, jittered backoff
/// (1 s doubling to 20 s), counts its attempts, and says in STATUS that a privilege is missing, not that it waits
/// for the database (which is up).
@Suite("vaewatch serve (PostgreSQL): retries back off and name their cause")
struct ServeRetryBackoffTests {
    /// How long each test watches the daemon retry.
    static let watched = Duration.seconds(12)

    /// The attempt numbers STATUS showed (`attempt n`), in order, from the daemon `pid`.
    static func attempts(in receiver: NotifyReceiver, from pid: pid_t) -> [Int] {
        receiver.messages.filter { $0.senderPID == pid }.compactMap { message -> Int? in
            guard let status = message.value(of: "STATUS"), let range = status.firstRange(of: "attempt ") else {
                return nil
            }
            return Int(status[range.upperBound...].prefix(while: \.isNumber))
        }
    }

    /// What STATUS showed while a daemon whose role lacks SELECT on the table ran for ``watched``.
    struct Watched {
        let database: ServeDatabase
        let statuses: [String]
        let attempts: [Int]
    }

    /// Starts a daemon on a table of `rows` rows as a role without SELECT on it, with `settings` added, watches it
    /// retry for ``watched`` and checks what every retry loop must do: it keeps running, its attempts rise within
    /// the backoff's bounds, and STATUS names the missing privilege, never "waiting for database".
    static func watch(_ purpose: String, rows: Int, settings: [(name: String, value: String)]) throws -> Watched {
        let directory = try TestDirectory(purpose + "-db")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        try database.insert(from: 1, count: rows)
        let role = try database.loginRole(selectOnSource: false)
        let fixture = try ServeFixture(
            purpose,
            settings: try database.settings([("database.url", "\"\(database.conninfo(user: role))\"")] + settings))
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        pauseThread(watched)
        #expect(daemon.isRunning, "the daemon keeps retrying: \(daemon.errorText)")

        let statuses = fixture.receiver.messages.filter { $0.senderPID == daemon.pid }.compactMap {
            $0.value(of: "STATUS")
        }
        let attempts = Self.attempts(in: fixture.receiver, from: daemon.pid)
        print("\(purpose), \(watched): attempts shown in STATUS \(attempts); last STATUS: \(statuses.last ?? "none")")
        let last = try #require(attempts.last, "no attempt in STATUS:\n\(fixture.receiver.transcript)")
        #expect(zip(attempts, attempts.dropFirst()).allSatisfy { $0 < $1 }, "attempts rise: \(attempts)")
        #expect((3...10).contains(last), "backoff from 1 s doubling to 20 s: 3–10 attempts in 12 s, not \(last)")
        let final = try #require(statuses.last)
        #expect(final.contains("permission denied for table metrics"), "\(final)")
        #expect(!statuses.contains { $0.hasPrefix("waiting for database") }, "\(statuses)")
        return Watched(database: database, statuses: statuses, attempts: attempts)
    }

    @Test("warm-up without SELECT on the table: attempts rise, at most 10 in 12 s, STATUS names the privilege")
    func warmUpWithoutSelect() throws {
        let watched = try Self.watch(
            "retry-warmup", rows: 300, settings: [("model.path", "\"\""), ("training.warmup", "200")])
        #expect(watched.statuses.last?.contains("GRANT SELECT") == true, "STATUS says what to do")
    }

    @Test("scoring without SELECT on the table: the batch retries back off and STATUS names the privilege")
    func pipelineWithoutSelect() throws {
        let watched = try Self.watch("retry-pipeline", rows: 50, settings: [("source.workers", "1")])
        #expect(try watched.database.scored() == 0)
    }
}
