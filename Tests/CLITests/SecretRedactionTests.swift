import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 17, item 9a: a password written where it does not belong (`database.url`, `--database`) is refused, and
/// the refusal never repeats it, in the conninfo form (`password=…`) or the URI form (`user:secret@host`), on
/// stdout, on stderr or in the daemon's log.
@Suite("vaewatch: passwords never appear in messages")
struct SecretRedactionTests {
    /// The password every case hides; no output may contain it.
    static let secret = "hunter2-Zq9"

    /// `database.url` values holding ``secret``, in both forms.
    static let urls = [
        "host=/run/postgresql dbname=metrics password=\(secret)",
        "host=/run/postgresql password = '\(secret)' dbname=metrics",
        "postgresql://vaewatch:\(secret)@db.example/metrics",
        "postgres://db.example/metrics?user=vaewatch&password=\(secret)",
    ]

    @Test("check-config --set database.url=… with a password: refused (78), the password in no output")
    func checkConfigOverride() throws {
        let directory = try TestDirectory("redact-check-config")
        defer { directory.remove() }
        for url in Self.urls {
            let run = try vaewatch(
                ["check-config", "--set", "source.table=public.metrics", "--set", "database.url=\(url)"], in: directory)
            #expect(run.status == 78, "\(url): \(run.stderr)")
            #expect(run.stderr.contains("database.url: holds a password"), "\(url): \(run.stderr)")
            #expect(!(run.stdout + run.stderr).contains(Self.secret), "\(url) leaked:\n\(run.stdout)\n\(run.stderr)")
        }
    }

    @Test("serve with the password in --set, the environment or the file: exits 78, the password in no log line")
    func serveRefusal() throws {
        for url in Self.urls {
            let fixture = try ServeFixture(
                "redact-serve", settings: [("source.table", "public.metrics"), ("log.level", "debug")])
            defer { fixture.remove() }
            let ways: [(name: String, environment: [String], arguments: [String])] = [
                ("--set", [], ["--set", "database.url=\(url)"]),
                ("environment", ["VAEWATCH_DATABASE_URL=\(url)"], []),
            ]
            for way in ways {
                let daemon = try fixture.start(environment: way.environment, arguments: way.arguments)
                let ending = daemon.waitForExit(within: .seconds(10))
                #expect(ending?.status == 78, "\(way.name) \(url): \(ending?.description ?? "running")")
                _ = daemon.kill()
                let output = (daemon.lines(.stdout) + daemon.lines(.stderr)).map(\.text).joined(separator: "\n")
                #expect(output.contains("holds a password"), "\(way.name) \(url): \(output)")
                #expect(!output.contains(Self.secret), "\(way.name) \(url) leaked:\n\(output)")
            }
            let notified = fixture.receiver.transcript
            #expect(notified.contains("configuration not valid"), "\(notified)")
            #expect(!notified.contains(Self.secret), "STATUS leaked: \(notified)")
        }
    }

    @Test("a --database that libpq cannot parse: the error quotes it with the password hidden")
    func unparsableConnectionString() throws {
        let directory = try TestDirectory("redact-database")
        defer { directory.remove() }
        // libpq quotes the whole URI when it cannot parse the host.
        let broken = [
            "postgresql://vaewatch:\(Self.secret)@[::1/metrics", "postgres://vaewatch:\(Self.secret)@[/metrics",
        ]
        for conninfo in broken {
            let run = try vaewatch(
                ["init-db", "--database", conninfo, "--source", "public.metrics", "--key", "id"], in: directory)
            #expect(run.status == 64, "\(conninfo): \(run.stderr)")
            #expect(run.stderr.contains("invalid connection string"), "\(conninfo): \(run.stderr)")
            #expect(!(run.stdout + run.stderr).contains(Self.secret), "\(conninfo) leaked:\n\(run.stderr)")
        }
    }
}
