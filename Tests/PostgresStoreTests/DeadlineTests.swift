import PostgresStore
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A frozen server is caught only by the client-side deadline (finding L8, row P5 at library level). These tests
/// freeze server processes, so each uses a private cluster.
@Suite("PostgresStore: client-side deadline")
struct DeadlineTests {
    @Test("a SIGSTOPped backend fails the statement with deadlineExceeded within deadline + 1 s")
    func frozenBackend() throws {
        let cluster = try PostgresCluster.start(purpose: "store-frozen-backend")
        defer { cluster.destroy() }
        let database = try TestDatabase(on: cluster)
        var settings = database.settings()
        settings.statementDeadline = .seconds(2)
        settings.statementTimeout = nil
        let connection = try database.connect(settings)
        #expect(try connection.execute("SELECT 1").text(0, 0) == "1")

        try #require(kill(connection.backendPID, SIGSTOP) == 0, "kill -STOP \(connection.backendPID): errno \(errno)")
        let (result, elapsed) = timed { try connection.execute("SELECT 1") }
        kill(connection.backendPID, SIGCONT)
        print("frozen backend: deadline 2 s, detected after \(elapsed) s")

        let error = try #require(result.failure as? PostgresError)
        #expect(error.kind == .deadlineExceeded)
        #expect(error.needsReconnect)
        #expect(error.message.contains("no answer"))
        #expect(elapsed >= 2.0 && elapsed <= 3.0)
        #expect(!connection.isOpen)
        #expect(postgresError { try connection.execute("SELECT 1") }?.kind == .connectionLost)

        let fresh = try database.connect(settings)
        #expect(try fresh.execute("SELECT 1").text(0, 0) == "1")
        let gone = eventually(within: .seconds(5)) {
            (try? fresh.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = \(.integer(Int64(connection.backendPID)))"
            )
            .text(0, 0)) == "0"
        }
        #expect(gone, "the old backend ends once it runs again: the connection was closed")
    }

    @Test("a statement running past the deadline is cancelled and its connection closed")
    func slowStatement() throws {
        let database = try TestDatabase()
        var settings = database.settings()
        settings.statementDeadline = .seconds(1)
        settings.statementTimeout = nil
        let connection = try database.connect(settings)
        let pid = connection.backendPID
        let (result, elapsed) = timed { try connection.execute("SELECT pg_sleep(30)") }
        print("pg_sleep(30) with a 1 s deadline: gave up after \(elapsed) s")
        #expect((result.failure as? PostgresError)?.kind == .deadlineExceeded)
        #expect(elapsed >= 1.0 && elapsed < 2.0)
        #expect(!connection.isOpen)
        let observer = try database.connect()
        let ended = eventually(within: .seconds(5)) {
            (try? observer.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = \(.integer(Int64(pid)))")
                .text(0, 0)) == "0"
        }
        #expect(ended, "the server stopped the sleeping statement instead of running it for 30 s")
    }

    @Test("a SIGSTOPped postmaster fails the connect after connect_timeout")
    func frozenPostmaster() throws {
        let cluster = try PostgresCluster.start(purpose: "store-frozen-postmaster")
        defer { cluster.destroy() }
        let database = try TestDatabase(on: cluster)
        var settings = database.settings()
        settings.connectTimeoutSeconds = 2
        let postmaster = try cluster.serverProcessID()
        try #require(kill(postmaster, SIGSTOP) == 0, "kill -STOP \(postmaster): errno \(errno)")
        let (result, elapsed) = timed { try Connection(settings) }
        kill(postmaster, SIGCONT)
        print("frozen postmaster: connect_timeout 2 s, connect failed after \(elapsed) s")
        let error = try #require(result.failure as? PostgresError)
        #expect(error.kind == .connectFailed && error.needsReconnect)
        #expect(error.message.contains("timeout"), "\(error)")
        #expect(elapsed >= 1.9 && elapsed < 4.0)
        #expect(try database.connect(settings).execute("SELECT 1").text(0, 0) == "1")
    }
}
