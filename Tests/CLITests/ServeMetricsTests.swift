import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 22, item 1: `/metrics` on `metrics.listen`, scraped with curl while records flow, its values checked against
/// what was scored, and the whole text checked by `promtool check metrics`.
@Suite("vaewatch serve: /metrics in the Prometheus text format")
struct ServeMetricsTests {
    /// The sample labels of the test table's source.
    static let source = ["source": ServeDatabase.source]

    /// Fails the test unless promtool accepts `scrape`.
    static func expectPromtoolAccepts(_ scrape: MetricsScrape) throws {
        let (status, output) = try scrape.promtool()
        #expect(status == 0, "promtool check metrics:\n\(output)\n\(scrape.text)")
    }

    @Test(
        "PostgreSQL: scraped while 3,000 rows flow, a NaN row and a lost connection; the counters match vaewatch.scores",
        arguments: ["queue", "watermark"])
    func postgres(mode: String) throws {
        let directory = try TestDirectory("metrics-\(mode)")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory, mode: mode)
        let fixture = try ServeFixture(
            "metrics-\(mode)",
            settings: try database.settings([
                ("source.mode", mode), ("source.batch", "500"), ("metrics.listen", "127.0.0.1:0"),
            ]))
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { _ = daemon.kill() }
        try fixture.awaitReady(daemon, within: .seconds(15))
        let url = try MetricsScrape.url(of: daemon)
        #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/metrics"), "\(url)")
        let before = try MetricsScrape(url)
        #expect(before.count("vaewatch_records_scored_total", Self.source) == 0, "\(before.text)")
        try Self.expectPromtoolAccepts(before)

        // Six inserts of 500 rows, a scrape after each while the daemon scores them.
        var seen: [Int] = []
        for part in 0..<6 {
            try database.insert(from: 1 + part * 500, count: 500)
            seen.append(try MetricsScrape(url).count("vaewatch_records_scored_total", Self.source))
        }
        // A row that cannot be scored becomes a dead letter.
        let zeros = Array(repeating: "0", count: 7).joined(separator: ", ")
        try database.cluster.psql("INSERT INTO public.metrics VALUES (3001, 'NaN', \(zeros))", database: database.name)
        try #require(
            eventually(within: .seconds(30)) { (try? database.audit().deadLetters) == 1 },
            "\((try? database.scored()) ?? -1) scored\n\(daemon.errorText)")
        // The pipeline loses its connection and opens it again.
        try database.cluster.psql(
            """
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'vaewatch'
            """, database: database.name)
        pauseThread(.milliseconds(200))
        try database.insert(from: 3_002, count: 200)
        let flowed = eventually(within: .seconds(30)) { (try? database.scored()) == 3_200 }
        try #require(flowed, "\((try? database.scored()) ?? -1) scored\n\(daemon.errorText)")

        // The verdicts are committed before the daemon counts them: the counters catch up at once.
        var after = try MetricsScrape(url)
        _ = eventually(within: .seconds(5)) {
            after = (try? MetricsScrape(url)) ?? after
            return after.count("vaewatch_records_scored_total", Self.source) == 3_200
        }
        let row = try database.cluster.psql(
            """
            SELECT count(*), count(*) FILTER (WHERE is_anomaly), max(model_version), max(threshold)
            FROM vaewatch.scores
            """, database: database.name)
        print("metrics, \(mode): scored after each insert \(seen), SQL \(row)\n\(after.text)")
        let sql = row.split(separator: "|").map { Double($0) ?? -1 }
        try #require(sql.count == 4, "\(row)")
        #expect(seen == seen.sorted() && seen.allSatisfy { (0...3_000).contains($0) }, "\(seen)")
        #expect(after.count("vaewatch_records_scored_total", Self.source) == Int(sql[0]))
        #expect(after.count("vaewatch_records_flagged_total", Self.source) == Int(sql[1]))
        #expect(after.count("vaewatch_records_rejected_total", Self.source) == 1)
        #expect(after.count("vaewatch_records_dead_lettered_total", ["stage": "input"]) == 1)
        #expect(after.count("vaewatch_records_dead_lettered_total", ["stage": "sink"]) == 0)
        #expect(after.count("vaewatch_model_version", Self.source) == Int(sql[2]))
        let threshold = after.value("vaewatch_threshold", Self.source) ?? -1
        #expect(abs(threshold - sql[3]) <= 1e-5 * max(1, abs(sql[3])), "gauge \(threshold), verdicts \(sql[3])")
        #expect(after.count("vaewatch_active_latent_units", Self.source) >= 1)
        let batches = after.count("vaewatch_batch_duration_seconds_count", Self.source)
        #expect((7...3_201).contains(batches), "one observation per committed batch: \(batches)")
        #expect(after.count("vaewatch_queue_depth", Self.source) == 0)
        #expect(after.count("vaewatch_database_reconnects_total", Self.source) >= 1, "\(daemon.errorText)")
        let lagged = after.count("vaewatch_insert_to_verdict_seconds_count", Self.source)
        #expect(lagged == (mode == "queue" ? 3_200 : 0), "one lag per verdict in queue mode: \(lagged)")
        if mode == "queue" {
            let within60 = after.samples.first {
                $0.name == "vaewatch_insert_to_verdict_seconds_bucket" && $0.labels["le"].flatMap(Double.init) == 60
            }.map { Int($0.value) }
            #expect(within60 == 3_200, "every verdict within a minute of its insert: \(within60)")
        }
        try Self.expectPromtoolAccepts(after)
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }

    @Test("stdin: scored, flagged and rejected lines, a retrain and the new model's gauges; promtool accepts it")
    func stdin() throws {
        let fixture = try ServeFixture.stdin(
            "metrics-stdin",
            settings: [
                ("metrics.listen", "127.0.0.1:0"), ("training.every_records", "1000"), ("training.epochs", "5"),
            ])
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        let url = try MetricsScrape.url(of: daemon)
        let stdin = ["source": "stdin"]
        var rows = ServeRows(count: 1_500)
        #expect(daemon.write(ServeRows.header + rows.take(1_000) + "nan,0,0,0,0,0,0,0\n"))
        let first = eventually(within: .seconds(20)) { scoredLines(daemon).count == 1_000 }
        try #require(first, "\(scoredLines(daemon).count) lines\n\(daemon.errorText)")
        #expect(daemon.write(rows.take(500)))
        var scrape = try MetricsScrape(url)
        let retrained = eventually(within: .seconds(60)) {
            scrape = (try? MetricsScrape(url)) ?? scrape
            return scrape.count("vaewatch_retrains_total", ["outcome": "ok"]) >= 1
                && scrape.count("vaewatch_records_scored_total", stdin) == 1_500
        }
        print("metrics, stdin:\n\(scrape.text)")
        try #require(retrained, "\(scrape.text)\n\(daemon.errorText)")
        let lines = scoredLines(daemon)
        #expect(lines.count == 1_500)
        #expect(scrape.count("vaewatch_records_flagged_total", stdin) == flagged(lines))
        #expect(scrape.count("vaewatch_records_rejected_total", stdin) == 1)
        #expect(scrape.count("vaewatch_retrain_duration_seconds_count", ["outcome": "ok"]) >= 1)
        #expect(scrape.count("vaewatch_model_version", stdin) >= 2, "the retrained model is in use")
        #expect(scrape.count("vaewatch_batch_duration_seconds_count", stdin) >= 2)
        #expect(scrape.count("vaewatch_insert_to_verdict_seconds_count", stdin) == 0, "stdin has no insert time")
        try Self.expectPromtoolAccepts(scrape)
        // Only /metrics is served.
        let curl = try ExternalTool.require("curl", package: "curl")
        let other = url.replacing("/metrics", with: "/other")
        let answer = try SpawnedProcess.run([curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", other])
        #expect(answer.stdout == "404", "\(answer.stdout) \(answer.stderr)")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }

    @Test("a port already in use stops the daemon with exit 78, naming metrics.listen")
    func portInUse() throws {
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(holder >= 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(holder, $0, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, $0, &length) == 0
            }
        }
        try #require(bound, "bind: errno \(errno)")
        let port = UInt16(bigEndian: address.sin_port)
        let fixture = try ServeFixture.stdin("metrics-in-use", settings: [("metrics.listen", "127.0.0.1:\(port)")])
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        let ended = daemon.waitForExit(within: .seconds(15))
        #expect(ended?.status == 78, "\(ended?.description ?? "still running")\n\(daemon.errorText)")
        #expect(
            daemon.errorText.contains("metrics.listen 127.0.0.1:\(port): cannot serve /metrics"), "\(daemon.errorText)")
    }

    @Test(
        "check-config refuses an address that is not an IP address and a port with exit 78",
        arguments: ["localhost:9751", "127.0.0.1", "127.0.0.1:65536", "::1:9751", "[::1]", "127.0.0.256:9751"])
    func wrongAddress(address: String) throws {
        let directory = try TestDirectory("metrics-check")
        defer { directory.remove() }
        let run = try vaewatch(
            ["check-config", "--set", "source.kind=stdin", "--set", "metrics.listen=\(address)"], in: directory)
        #expect(run.status == 78, "\(run.stdout)\(run.stderr)")
        #expect(
            run.stderr.contains("--set metrics.listen=\(address): metrics.listen: expected an IP address and a port"),
            "\(run.stderr)")
    }

    @Test(
        "check-config accepts an IPv4 or a bracketed IPv6 address with a port",
        arguments: ["127.0.0.1:9751", "[::1]:0"])
    func rightAddress(address: String) throws {
        let directory = try TestDirectory("metrics-check")
        defer { directory.remove() }
        let run = try vaewatch(
            ["check-config", "--set", "source.kind=stdin", "--set", "metrics.listen=\(address)"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.contains { $0.hasPrefix("  listen: \"\(address)\" ") }, "\(run.stdout)")
    }
}
