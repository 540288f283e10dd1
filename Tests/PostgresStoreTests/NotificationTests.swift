import PostgresStore
import TestSupport
import Testing

/// LISTEN/NOTIFY through ``Connection/notifications(waitingUpTo:)``, and the queue trigger that feeds both the
/// queue table and the `vaewatch` channel.
@Suite("PostgresStore: LISTEN/NOTIFY and the queue trigger")
struct NotificationTests {
    @Test("a listener receives another connection's notification with its payload")
    func receivesNotification() throws {
        let database = try TestDatabase()
        let listener = try database.connect()
        let sender = try database.connect()
        try listener.execute("LISTEN \(identifier: "Chan nel")")
        try sender.execute("SELECT pg_notify(\(.text("Chan nel")), \(.text("payload ü 'x' \"y\"")))")
        let (result, elapsed) = timed { try listener.notifications(waitingUpTo: .seconds(5)) }
        print("notification arrived after \(elapsed) s")
        let received = try result.get()
        #expect(received.count == 1)
        #expect(received.first?.channel == "Chan nel")
        #expect(received.first?.payload == "payload ü 'x' \"y\"")
        #expect(received.first?.senderPID == sender.backendPID)
        #expect(elapsed < 2)

        try sender.execute("NOTIFY \(identifier: "Chan nel")")
        let bare = try listener.notifications(waitingUpTo: .seconds(5))
        #expect(bare.map(\.payload) == [""], "a NOTIFY without payload arrives with an empty one")
        #expect(try listener.execute("SELECT 1").text(0, 0) == "1", "statements still work on the listener")
    }

    @Test("with nothing sent, the wait returns empty after about the timeout")
    func timesOutEmpty() throws {
        let database = try TestDatabase()
        let listener = try database.connect()
        try listener.execute("LISTEN quiet")
        let (result, elapsed) = timed { try listener.notifications(waitingUpTo: .milliseconds(300)) }
        print("empty wait of 300 ms lasted \(elapsed) s")
        #expect(try result.get().isEmpty)
        #expect(elapsed >= 0.29 && elapsed < 0.8)
    }

    @Test("a NOTIFY inside a transaction arrives only at COMMIT")
    func deliveredAtCommit() throws {
        let database = try TestDatabase()
        let listener = try database.connect()
        let sender = try database.connect()
        try listener.execute("LISTEN c")
        try sender.execute("BEGIN")
        try sender.execute("NOTIFY c, 'in transaction'")
        #expect(try listener.notifications(waitingUpTo: .milliseconds(200)).isEmpty)
        try sender.execute("COMMIT")
        #expect(try listener.notifications(waitingUpTo: .seconds(5)).map(\.payload) == ["in transaction"])
    }

    @Test("the queue trigger enqueues every inserted row and notifies channel vaewatch with the source name")
    func triggerEnqueuesAndNotifies() throws {
        let database = try TestDatabase(migrated: true)
        let owner = try database.connect()
        try owner.execute("CREATE TABLE public.metrics (id bigint PRIMARY KEY, a float8, b float8)")
        let table = try ResolvedSource.resolve(
            SourceTable(table: QualifiedName(parsing: "metrics"), key: "id"), on: owner)
        #expect(table.name == "public.metrics")
        #expect(try !QueueSource.hasTrigger(table, on: owner))
        try QueueSource.installTrigger(table, on: owner)
        try QueueSource.installTrigger(table, on: owner)
        #expect(try QueueSource.hasTrigger(table, on: owner), "installing twice replaces the trigger")

        let listener = try database.connect()
        try listener.execute("LISTEN vaewatch")
        /// The payloads that arrive within 5 s after a statement (at least one is expected).
        func payloads() throws -> [String] {
            var received = try listener.notifications(waitingUpTo: .seconds(5))
            received += try listener.notifications(waitingUpTo: .milliseconds(50))
            #expect(received.allSatisfy { $0.channel == "vaewatch" })
            return received.map(\.payload)
        }
        /// The queue's rows as `source:source_id`, oldest first.
        func queued() throws -> [String] {
            let rows = try owner.execute("SELECT source || ':' || source_id FROM vaewatch.queue ORDER BY id")
            return (0..<rows.rowCount).compactMap { rows.text($0, 0) }
        }

        try owner.execute("INSERT INTO public.metrics VALUES (1, 0.5, 1.5)")
        #expect(try payloads() == ["public.metrics"])
        #expect(try queued() == ["public.metrics:1"])

        try owner.execute("INSERT INTO public.metrics VALUES (2, 0, 0), (3, 0, 0), (4, 0, 0)")
        #expect(try payloads() == ["public.metrics"], "one notification per statement")
        #expect(try queued().count == 4)

        var copy = ""
        for i in 100..<200 { copy += "\(i)\t\(i)\t-\(i)\n" }
        #expect(try owner.copyIn("COPY public.metrics FROM STDIN") { Array(copy.utf8) } == 100)
        #expect(try payloads() == ["public.metrics"])
        let all = try queued()
        #expect(all.count == 104)
        #expect(Set(all) == Set(([1, 2, 3, 4] + Array(100..<200)).map { "public.metrics:\($0)" }))
    }
}
