import PostgresStore
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Password authentication through a pgpass file (rows P18 and P19 at library level): libpq's reason reaches the
/// error, the password never does. The test edits pg_hba.conf, so it uses a private cluster.
@Suite("PostgresStore: authentication")
struct AuthenticationTests {
    @Test("a wrong password fails with libpq's reason and no password text; the right one connects")
    func passwordFromPgpass() throws {
        let cluster = try PostgresCluster.start(purpose: "store-auth")
        defer { cluster.destroy() }
        let database = try TestDatabase(on: cluster)
        let right = "R1ght-S3cret-plugh"
        let wrong = "Wr0ng-S3cret-xyzzy"
        try cluster.psql("CREATE ROLE pw LOGIN PASSWORD '\(right)'")
        let hba = cluster.dataDirectory + "/pg_hba.conf"
        let original = String(decoding: try readFile(hba), as: UTF8.self)
        try writeFile(hba, "local all pw scram-sha-256\n" + original, mode: 0o600)
        try cluster.psql("SELECT pg_reload_conf()")

        let files = try TestDirectory("store-auth")
        defer { files.remove() }
        let pgpass = files.file("pgpass")
        /// Settings for role pw with the password file `passfile`.
        func settings(passfile: String) -> ConnectionSettings {
            ConnectionSettings(conninfo: cluster.conninfo(database: database.name) + " user=pw passfile=\(passfile)")
        }
        let reloaded = eventually(within: .seconds(10)) {
            (try? Connection(settings(passfile: files.file("none")))) == nil
        }
        try #require(reloaded, "the server never started asking pw for a password")

        try writeFile(pgpass, "*:*:*:pw:\(wrong)\n", mode: 0o600)
        let (result, elapsed) = timed { try Connection(settings(passfile: pgpass)) }
        let error = try #require(result.failure as? PostgresError)
        print("wrong password (after \(elapsed) s): \(error)")
        #expect(error.kind == .connectFailed && error.needsReconnect)
        #expect(error.message.contains("password authentication failed for user \"pw\""))
        #expect(!error.description.contains(wrong) && !error.description.contains(right))

        try writeFile(pgpass, "*:*:*:pw:\(right)\n", mode: 0o600)
        let connection = try Connection(settings(passfile: pgpass))
        #expect(try connection.execute("SELECT current_user").text(0, 0) == "pw")
        #expect(connection.target == "pw@\(cluster.socketDirectory):\(cluster.port)/\(database.name)")

        // Row P19: libpq ignores a pgpass file that others can read (it warns on stderr only); our message says so.
        try #require(chmod(pgpass, 0o644) == 0)
        let loose = try #require(postgresError { try Connection(settings(passfile: pgpass)) })
        print("pgpass with mode 0644: \(loose)")
        #expect(loose.kind == .connectFailed)
        #expect(loose.message.contains("no password supplied"))
        #expect(
            loose.message.contains(
                "the password file \(pgpass) is readable by group or others, so libpq ignored it: chmod 0600 \(pgpass)")
        )
        #expect(!loose.description.contains(right))

        // A password written into the conninfo (never do this outside a test) is not echoed either.
        let inline = ConnectionSettings(
            conninfo: cluster.conninfo(database: database.name) + " user=pw password=\(wrong)")
        let inlineError = try #require(postgresError { try Connection(inline) })
        #expect(inlineError.message.contains("password authentication failed"))
        #expect(!inlineError.description.contains(wrong))
    }
}
