import PostgresStore
import TestSupport
import Testing

/// Opening a connection: what it reports about itself and which settings reach the server.
@Suite("PostgresStore: connections")
struct ConnectionTests {
    @Test("target names user, socket, port and database; the backend PID is the server's")
    func describesItself() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        #expect(connection.isOpen)
        #expect(
            connection.target
                == "postgres@\(database.cluster.socketDirectory):\(database.cluster.port)/\(database.name)")
        #expect(try connection.execute("SELECT pg_backend_pid()").text(0, 0) == String(connection.backendPID))
        #expect(try connection.execute("SELECT current_database()").text(0, 0) == database.name)
        #expect(try connection.execute("SHOW server_encoding").text(0, 0) == "UTF8")
    }

    @Test("application_name: vaewatch by default, the settings' own, and the conninfo's wins")
    func applicationName() throws {
        let database = try TestDatabase()
        /// The session's application_name as the server sees it.
        func name(_ settings: ConnectionSettings) throws -> String? {
            try Connection(settings).execute("SHOW application_name").text(0, 0)
        }
        #expect(try name(database.settings()) == "vaewatch")
        var custom = database.settings()
        custom.applicationName = "vaewatch-listen"
        #expect(try name(custom) == "vaewatch-listen")
        #expect(try name(database.settings(" application_name=mine")) == "mine")
    }

    @Test("a URI conninfo works too")
    func uriConninfo() throws {
        let database = try TestDatabase()
        let host = database.cluster.socketDirectory.split(separator: "/").joined(separator: "%2F")
        let uri = "postgresql://postgres@%2F\(host):\(database.cluster.port)/\(database.name)"
        let connection = try Connection(ConnectionSettings(conninfo: uri))
        #expect(try connection.execute("SELECT current_database()").text(0, 0) == database.name)
    }
}
