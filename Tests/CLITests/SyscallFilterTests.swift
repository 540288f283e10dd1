import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Row S12 of RELIABILITY.md: the system calls `vaewatch serve` really makes, traced with `strace -f -c` through the
/// scenarios a service meets (stdin and PostgreSQL, a retrain, a reload, a checkpoint, a stop), all lie inside the
/// unit's `SystemCallFilter=` as this machine's systemd expands it (`systemd-analyze syscall-filter`), but those the
/// unit refuses on purpose and says why.
@Suite("vaewatch serve: the unit's system call filter against the calls the daemon makes (S12)")
struct SyscallFilterTests {
    @Test("serve on stdin and on PostgreSQL, with a retrain, a reload and a checkpoint, stays inside the filter")
    func insideTheFilter() throws {
        let filter = try UnitSyscallFilter.read()
        #expect(
            filter.allowed.contains("read") && filter.allowed.contains("connect") && !filter.allowed.contains("mount"))

        var seen: [String: Set<String>] = [:]
        seen["stdin"] = try Self.traceStdin()
        seen["postgres"] = try Self.tracePostgres()
        for (scenario, calls) in seen.sorted(by: { $0.key < $1.key }) {
            #expect(calls.count > 20, "\(scenario): strace saw \(calls.count) system calls")
            let outside = calls.subtracting(filter.allowed).subtracting(filter.refusedOnPurpose).sorted()
            let names = outside.joined(separator: ", ")
            #expect(
                outside.isEmpty,
                "\(scenario): system calls outside the unit's SystemCallFilter=: \(names); widen the filter in systemd/vaewatch.service and say why in its comment"
            )
            print(
                "S12 \(scenario): \(calls.count) distinct system calls, all inside the filter but "
                    + "\(calls.intersection(filter.refusedOnPurpose).sorted()) (refused on purpose)")
        }
        // The check can fail: the same calls against the filter without @network-io name what falls outside.
        let narrowed = filter.allowed.subtracting(try UnitSyscallFilter.expand("@network-io"))
        let caught = (seen["postgres"] ?? []).subtracting(narrowed).subtracting(filter.refusedOnPurpose)
        #expect(caught.contains("connect"), "without @network-io the check names connect: \(caught.sorted())")
    }

    /// strace, as a wrapper that writes its call counts to `path`.
    static func strace(to path: String) throws -> [String] {
        [try ExternalTool.require("strace", package: "strace"), "-f", "-c", "-o", path, "--"]
    }

    /// `serve` on stdin: rows, SIGUSR1 (a retrain), SIGHUP (a reload), SIGUSR2 (a checkpoint), SIGTERM.
    static func traceStdin() throws -> Set<String> {
        let fixture = try ServeFixture.stdin("s12-stdin")
        defer { fixture.remove() }
        let counts = fixture.directory.file("strace-stdin.txt")
        let tracer = try fixture.start(under: try strace(to: counts))
        defer { _ = tracer.kill() }
        let daemon = try awaitReady(fixture, tracer: tracer)
        var rows = ServeRows(count: 1_000)
        #expect(tracer.write(ServeRows.header + rows.take(1_000)))
        #expect(
            eventually(within: .seconds(30)) { fixture.status()?.number("records") == 1_000 }, "\(tracer.errorText)")
        try exercise(daemon, tracer)
        tracer.closeInput()
        return try stopped(tracer, daemon, counts: counts)
    }

    /// `serve` on a PostgreSQL table (queue mode): rows, SIGUSR1, SIGHUP, SIGUSR2, SIGTERM.
    static func tracePostgres() throws -> Set<String> {
        let directory = try TestDirectory("s12-postgres")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        let fixture = try ServeFixture("s12-postgres", settings: try database.settings([("source.batch", "250")]))
        defer { fixture.remove() }
        let counts = directory.file("strace-postgres.txt")
        let tracer = try fixture.start(under: try strace(to: counts))
        defer { _ = tracer.kill() }
        let daemon = try awaitReady(fixture, tracer: tracer)
        try database.insert(from: 1, count: 2_000)
        #expect(eventually(within: .seconds(30)) { (try? database.scored()) == 2_000 }, "\(tracer.errorText)")
        try exercise(daemon, tracer)
        return try stopped(tracer, daemon, counts: counts)
    }

    /// A retrain, a reload and a checkpoint, each waited for in the log.
    static func exercise(_ daemon: pid_t, _ tracer: DaemonProcess) throws {
        for (signal, line) in [
            (SIGUSR1, "retrain finished"), (SIGHUP, "configuration reloaded"), (SIGUSR2, "status: "),
        ] {
            func seen() -> Int { tracer.lines(.stderr).count { $0.text.contains(line) } }
            let before = seen()
            #expect(kill(daemon, signal) == 0)
            #expect(
                eventually(within: .seconds(60)) { seen() > before },
                "no \"\(line)\" after signal \(signal):\n\(tracer.errorText)")
        }
    }

    /// Waits for READY=1 on the fixture's own notify socket, which only the traced daemon knows, and returns its
    /// sender's pid: the daemon, which the signals go to (strace, the process spawned, sends nothing).
    static func awaitReady(_ fixture: ServeFixture, tracer: DaemonProcess) throws -> pid_t {
        let ready = fixture.receiver.wait(for: { $0.contains("READY=1") }, within: .seconds(30))
        let sender = try #require(
            ready?.senderPID, "no READY=1 with its sender from the traced daemon:\n\(fixture.receiver.transcript)")
        try #require(sender != tracer.pid, "READY=1 came from strace itself")
        return sender
    }

    /// Stops the daemon, waits for strace to write its counts, and returns the names of the calls it saw.
    static func stopped(_ tracer: DaemonProcess, _ daemon: pid_t, counts: String) throws -> Set<String> {
        #expect(kill(daemon, SIGTERM) == 0)
        let ended = tracer.waitForExit(within: .seconds(30))
        try #require(ended != nil, "strace did not end after the daemon's stop:\n\(tracer.errorText)")
        return try StraceCounts.calls(in: String(decoding: try readFile(counts), as: UTF8.self))
    }
}

/// The system calls in a `strace -c` summary.
enum StraceCounts {
    /// The names in the table's last column, between its header rule and the total.
    static func calls(in summary: String) throws -> Set<String> {
        var names: Set<String> = []
        var inTable = false
        for line in summary.split(separator: "\n") {
            if line.hasPrefix("------") {
                if inTable { break }
                inTable = true
                continue
            }
            guard inTable, let name = line.split(separator: " ").last else { continue }
            names.insert(String(name))
        }
        try #require(!names.isEmpty, "no system calls in the strace summary:\n\(summary)")
        return names
    }
}

/// The unit's `SystemCallFilter=` lines, expanded by this machine's `systemd-analyze syscall-filter`.
struct UnitSyscallFilter {
    /// The calls the filter lets through: its allow-list, less what later `~` lines take away, plus the calls
    /// systemd always permits (`@default`).
    let allowed: Set<String>
    /// The calls the unit's comment names as refused on purpose (`# Refused on purpose: …`).
    let refusedOnPurpose: Set<String>

    /// Reads `systemd/vaewatch.service`.
    static func read() throws -> UnitSyscallFilter {
        let unit = String(decoding: try readFile(repositoryRoot() + "/systemd/vaewatch.service"), as: UTF8.self)
        var allowed: Set<String>?
        var refused: Set<String> = []
        for line in unit.split(separator: "\n") {
            if line.hasPrefix("# Refused on purpose:") {
                refused = Set(line.dropFirst("# Refused on purpose:".count).split(separator: " ").map(String.init))
            }
            guard line.hasPrefix("SystemCallFilter=") else { continue }
            var value = line.dropFirst("SystemCallFilter=".count)
            let removes = value.hasPrefix("~")
            if removes { value = value.dropFirst() }
            var calls: Set<String> = []
            for item in value.split(separator: " ") { calls.formUnion(try expand(String(item))) }
            if removes {
                try #require(allowed != nil, "the unit's first SystemCallFilter= must be an allow-list")
                allowed?.subtract(calls)
            } else {
                allowed = (allowed ?? []).union(calls)
            }
        }
        let listed = try #require(allowed, "systemd/vaewatch.service has no SystemCallFilter=")
        return UnitSyscallFilter(allowed: listed.union(try expand("@default")), refusedOnPurpose: refused)
    }

    /// A call's name, or a group's calls, its groups expanded.
    static func expand(_ item: String) throws -> Set<String> {
        guard item.hasPrefix("@") else { return [item] }
        let members = try #require(try groups()[item], "systemd-analyze knows no group \(item)")
        var calls: Set<String> = []
        for member in members { calls.formUnion(try expand(member)) }
        return calls
    }

    /// Every group `systemd-analyze syscall-filter` lists, with its members (calls and groups).
    static func groups() throws -> [String: [String]] {
        let tool = try ExternalTool.require("systemd-analyze", package: "systemd")
        let run = try SpawnedProcess.run([tool, "syscall-filter", "--no-pager"])
        try #require(run.status == 0, "systemd-analyze syscall-filter: \(run.stderr)")
        var groups: [String: [String]] = [:]
        var current: String?
        for line in run.stdout.split(separator: "\n") {
            if line.hasPrefix("@") {
                current = String(line)
                groups[String(line)] = []
            } else if let group = current, line.hasPrefix("    "), !line.contains("#") {
                groups[group, default: []].append(String(line.drop { $0 == " " }))
            } else if !line.hasPrefix(" ") {
                current = nil
            }
        }
        return groups
    }
}
