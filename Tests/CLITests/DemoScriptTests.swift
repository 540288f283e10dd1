import Glibc
import TestSupport
import Testing

/// `scripts/demo` as a new user runs it, twice in a row, with the debug build and a shorter stream: it must run to
/// the end, show the planted incidents among the top anomalies, catch the one only its time column tells apart, write a
/// well-formed SVG report drawn against the rows' own time, say how to put the binary on PATH, and leave no process or
/// lock behind.
@Suite struct DemoScriptTests {
    /// The lines of `text` from the one starting with `start` up to (not including) the one starting with `end`.
    static func section(_ text: String, from start: String, to end: String) -> [Substring] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.firstIndex(where: { $0.hasPrefix(start) }) else { return [] }
        let rest = lines[(first + 1)...]
        let last = rest.firstIndex { $0.hasPrefix(end) } ?? rest.endIndex
        return Array(rest[..<last])
    }

    /// The value of the last column of each row of a psql table section.
    static func lastColumn(_ rows: [Substring]) -> [String] {
        rows.compactMap { row in
            guard row.contains("|"), let cell = row.split(separator: "|").last else { return nil }
            return String(cell.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }
    }

    /// The processes whose command line mentions `text`, as `pid: command line`.
    static func processes(mentioning text: String) -> [String] {
        (directoryEntries("/proc") ?? []).compactMap { entry -> String? in
            guard Int(entry) != nil, let bytes = try? readFile("/proc/\(entry)/cmdline") else { return nil }
            let line = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return line.contains(text) ? "\(entry): \(line)" : nil
        }
    }

    @Test("scripts/demo runs to the end twice, catches the planted incidents and leaves nothing running")
    func runsTwiceAndCatchesThePlantedIncidents() throws {
        let directory = try TestDirectory("demo")
        defer { directory.remove() }
        let folder = directory.path + "/demo"
        let script = repositoryRoot() + "/scripts/demo"
        // Without PG* variables the demo starts its own server, as on a fresh machine.
        let environment = SpawnedProcess.environment(removingPrefixes: ["PG"])
        for run in 1...2 {
            let result = try SpawnedProcess.run(
                [script, "--binary", Child.executable, "--seconds", "8", "--dir", folder], environment: environment)
            try #require(result.succeeded, "run \(run): \(result.ending)\n\(result.stdout)\n\(result.stderr)")

            let top = Self.lastColumn(Self.section(result.stdout, from: "Top anomalies", to: "Planted incidents:"))
            let planted = ["spike", "slow leak", "broken correlation"].filter(top.contains)
            print("demo run \(run): planted incidents among the top anomalies: \(planted)")
            #expect(planted.count >= 2, "run \(run): top anomalies name \(top)\n\(result.stdout)")

            let incidents = Self.section(result.stdout, from: "Planted incidents:", to: "Outside the incidents:")
            let caught = incidents.filter { $0.contains("| caught") }.count
            #expect(caught >= 2, "run \(run): \(incidents.joined(separator: "\n"))")
            // Noon's traffic at night is normal in every column: only the time column (source.time_column) catches it.
            #expect(
                incidents.contains { $0.hasPrefix(" noon at night") && $0.contains("| caught") },
                "run \(run): \(incidents.joined(separator: "\n"))")
            let retrains = Self.lastColumn(Self.section(result.stdout, from: "Retrains", to: "vaewatch: wrote"))
            #expect(retrains.contains("ok"), "run \(run): no retrain finished during the demo\n\(result.stdout)")

            let report = try ReportSVG.parse(String(decoding: try readFile(folder + "/report.svg"), as: UTF8.self))
            #expect(report.root == "svg")
            #expect(report.markers > 0)
            // Drawn against the table's ts: the live stream starts at noon on the fourth simulated day.
            #expect(report.text.contains("ts of the scored rows (UTC)"), "run \(run): \(report.text)")
            #expect(report.text.contains("2026-11-21 12:00:00 – 2026-11-22"), "run \(run): \(report.text)")

            let binaries = String(
                Child.executable[..<(Child.executable.lastIndex(of: "/") ?? Child.executable.endIndex)])
            #expect(
                result.stdout.contains("\n  export PATH=\"\(binaries):$PATH\"\n"),
                "run \(run): no PATH hint for \(binaries)\n\(result.stdout)")

            #expect(access(folder + "/postgres/data/postmaster.pid", F_OK) != 0, "run \(run) left the server's lock")
            #expect(access(folder + "/run/vaewatch.pid", F_OK) != 0, "run \(run) left the daemon's pid file")
            #expect(Self.processes(mentioning: folder).isEmpty, "run \(run) left \(Self.processes(mentioning: folder))")
        }
    }
}
