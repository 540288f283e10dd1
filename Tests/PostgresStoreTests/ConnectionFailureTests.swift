import PostgresStore
import TestSupport
import Testing

/// Connecting fails with ``PostgresError/Kind/connectFailed`` and libpq's own reason, or with
/// ``PostgresError/Kind/configuration`` when the conninfo cannot be parsed.
@Suite("PostgresStore: connect failures")
struct ConnectionFailureTests {
    @Test("no server at the socket: connectFailed at once, with libpq's reason")
    func noServer() throws {
        let settings = ConnectionSettings(conninfo: "host=/tmp/vaewatch-no-such-socket-dir port=5432 dbname=x")
        let (result, elapsed) = timed { try Connection(settings) }
        let error = try #require(result.failure as? PostgresError)
        print("no server: \(error) (after \(elapsed) s)")
        #expect(error.kind == .connectFailed && error.needsReconnect)
        #expect(error.message.contains("No such file or directory"))
        #expect(error.message.contains("/tmp/vaewatch-no-such-socket-dir"))
        #expect(!error.message.contains("\n"), "one line for the log")
        #expect(elapsed < 1)
    }

    @Test("an unknown database or role: connectFailed naming it")
    func unknownDatabaseOrRole() throws {
        let cluster = try PostgresCluster.shared()
        let database = try #require(
            postgresError { try Connection(ConnectionSettings(conninfo: cluster.conninfo(database: "no_such_db"))) })
        #expect(database.kind == .connectFailed && database.message.contains("database \"no_such_db\" does not exist"))
        let role = try #require(
            postgresError {
                try Connection(ConnectionSettings(conninfo: cluster.conninfo() + " user=no_such_role"))
            })
        #expect(role.kind == .connectFailed && role.message.contains("role \"no_such_role\" does not exist"))
    }

    @Test("a conninfo that does not parse is a configuration error")
    func unparsableConninfo() throws {
        for conninfo in ["host=/tmp bogus_keyword=1", "host='unterminated", "postgresql://[::1"] {
            let error = try #require(postgresError { try Connection(ConnectionSettings(conninfo: conninfo)) })
            print("conninfo \(conninfo): \(error)")
            #expect(error.kind == .configuration && error.message.hasPrefix("invalid connection string: "))
            #expect(!error.needsReconnect)
        }
    }
}
