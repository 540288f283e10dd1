import Glibc
import TestSupport
import Testing

/// The `Uid:` or `State:` line of /proc/<pid>/status, without the label.
private func processStatus(_ pid: Int32, _ field: String) throws -> String {
    let descriptor = open("/proc/\(pid)/status", O_RDONLY)
    try #require(descriptor >= 0, "open /proc/\(pid)/status: errno \(errno)")
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 8192)
    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    let text = String(decoding: buffer[..<max(0, count)], as: UTF8.self)
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(field + ":") })
    return line.dropFirst(field.count + 1).trimmingPrefix(while: \.isWhitespace).description
}

@Suite struct PostgresClusterTests {
    @Test func startsQueriesIsolatesStopsAndRestarts() throws {
        let cluster = try PostgresCluster.start(purpose: "cluster-lifecycle")
        defer { cluster.destroy() }
        #expect(cluster.directory.hasPrefix("/tmp/vwpg-cluster-lifecycle-"))
        #expect((cluster.socketDirectory + "/.s.PGSQL.\(cluster.port)").utf8.count < 108)
        #expect(access(cluster.socketDirectory + "/.s.PGSQL.\(cluster.port)", F_OK) == 0)
        #expect(try cluster.psql("SELECT 1") == "1")
        #expect(try cluster.psql("SELECT 1, 'a' UNION ALL SELECT 2, 'b'") == "1|a\n2|b")
        #expect(try cluster.psql("SHOW listen_addresses") == "")
        #expect(try cluster.psql("SHOW fsync") == "off")
        #expect(try cluster.psql("SHOW server_encoding") == "UTF8")
        #expect(
            cluster.conninfo(database: "d1")
                == "host=\(cluster.socketDirectory) port=5432 user=postgres dbname=d1")

        let first = try cluster.createDatabase()
        let second = try cluster.createDatabase()
        #expect(first != second)
        #expect(first.hasPrefix("t_"))
        try cluster.psql("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)", database: first)
        #expect(try cluster.psql("SELECT x FROM kept", database: first) == "42")
        #expect(try cluster.psql("SELECT to_regclass('kept') IS NULL", database: second) == "t")

        let error = #expect(throws: PostgresClusterError.self) {
            try cluster.psql("SELECT * FROM missing_table", database: first)
        }
        #expect(error?.description.contains("missing_table") == true)

        try cluster.psql("CHECKPOINT")
        try cluster.stop(mode: "immediate")
        #expect(throws: PostgresClusterError.self) { try cluster.psql("SELECT 1") }
        try cluster.start()
        #expect(try cluster.psql("SELECT x FROM kept", database: first) == "42")
        try cluster.stop()
        #expect(throws: PostgresClusterError.self) { try cluster.psql("SELECT 1") }
        let stopped = #expect(throws: PostgresClusterError.self) { try cluster.stop() }
        #expect(stopped?.description.hasPrefix("pg_ctl stop (\(cluster.directory)) failed (exit status 1)") == true)
        try cluster.start()
        #expect(try cluster.psql("SELECT 1") == "1")
        #expect(throws: PostgresClusterError.self) { try cluster.stop(mode: "gentle") }
    }

    @Test func serverRunsUnprivilegedWhenTestsRunAsRoot() throws {
        let cluster = try PostgresCluster.start(purpose: "cluster-user")
        defer { cluster.destroy() }
        let expected = geteuid() == 0 ? 65_534 : geteuid()
        let uids = try processStatus(try cluster.serverProcessID(), "Uid").split(whereSeparator: \.isWhitespace)
        #expect(uids.map { UInt32($0) } == Array(repeating: expected, count: 4))
        #expect(try cluster.psql("SHOW data_directory") == cluster.dataDirectory)

        let directory = cluster.directory
        cluster.destroy()
        #expect(access(directory, F_OK) != 0)
    }

    @Test func signalsBackendsByApplicationName() throws {
        let cluster = try PostgresCluster.shared()
        #expect(try PostgresCluster.shared() === cluster)
        let name = "sleeper-\(UInt32.random(in: 0...UInt32.max))"
        let sleeper = try SpawnedProcess.start([
            cluster.binDirectory + "/psql", "-X", "-q", "-d", cluster.conninfo() + " application_name=\(name)", "-c",
            "SELECT pg_sleep(60)",
        ])
        var pids: [Int32] = []
        let found = try eventually(within: .seconds(10)) {
            pids = try cluster.signalBackends(applicationName: name, SIGSTOP)
            return !pids.isEmpty
        }
        #expect(found)
        #expect(pids.count == 1)
        for pid in pids {
            #expect(eventually(within: .seconds(5)) { (try? processStatus(pid, "State"))?.hasPrefix("T") == true })
        }
        #expect(try cluster.signalBackends(applicationName: name, SIGCONT) == pids)
        #expect(try cluster.signalBackends(applicationName: name, SIGTERM) == pids)
        let result = sleeper.wait()
        #expect(!result.succeeded)
        #expect(result.stderr.contains("terminat"))
        #expect(try cluster.signalBackends(applicationName: "nobody-has-this-name", SIGCONT).isEmpty)
    }

    @Test func missingBinariesMessageSaysHowToInstall() {
        let message = PostgresClusterError.binariesNotFound(searched: ["/usr/lib/postgresql/15/bin"]).description
        #expect(
            message.hasPrefix(
                "PostgreSQL server binaries not found; run scripts/setup (installs postgresql) or apt-get install "
                    + "postgresql"))
    }
}
