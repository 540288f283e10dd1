import TestSupport
import Testing

@Suite("vaewatch check-config")
struct CheckConfigTests {
    @Test("a bad configuration exits 78 with every located problem on stderr")
    func badConfiguration() throws {
        let directory = try TestDirectory("check-config")
        defer { directory.remove() }
        try directory.write(
            Array("source:\n  table: public.metrics\n  batch: 0\nsourc:\n  key: id\n".utf8), to: "bad.yaml")
        let run = try vaewatch(
            ["check-config", "--config", directory.file("bad.yaml"), "--set", "log.level=loud"], in: directory)
        print(run.stderr)
        #expect(run.status == 78)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        let path = directory.file("bad.yaml")
        #expect(
            lines.contains(
                "\(path):3:3: source.batch: 0 is below the minimum 1 (most records per transaction, 1…100000)"))
        #expect(lines.contains("\(path):5:3: unknown setting \"sourc.key\"; did you mean \"source.key\"?"))
        #expect(
            lines.contains(
                "--set log.level=loud: log.level: expected one of trace, debug, info, notice, warning, error, "
                    + "critical, found \"loud\""))
        #expect(
            lines.last == "vaewatch: 3 problems in the configuration; fix them and run vaewatch check-config again")
    }

    @Test("a valid configuration exits 0 and prints every setting with its origin")
    func validConfiguration() throws {
        let directory = try TestDirectory("check-config")
        defer { directory.remove() }
        try directory.write(Array("source:\n  table: public.metrics\n  batch: 250\n".utf8), to: "good.yaml")
        let run = try vaewatch(
            ["check-config", "--config", directory.file("good.yaml"), "--set", "training.epochs=7"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        #expect(
            run.lines.contains { $0.hasPrefix("  batch: 250 ") && $0.hasSuffix("# \(directory.file("good.yaml")):3:3") }
        )
        #expect(run.lines.contains { $0.hasPrefix("  epochs: 7 ") && $0.hasSuffix("# --set training.epochs=7") })
        #expect(run.lines.contains { $0.hasPrefix("  key: id ") && $0.hasSuffix("# default") })
        let settings = try vaewatch(["check-config", "--markdown"], in: directory).lines.count - 2
        #expect(settings >= 30)
        #expect(run.lines.filter { $0.hasPrefix("  ") && $0.contains(" # ") }.count == settings, "one line per setting")
    }

    @Test("--markdown prints the settings table: a header and one row per setting")
    func markdown() throws {
        let directory = try TestDirectory("check-config")
        defer { directory.remove() }
        let run = try vaewatch(["check-config", "--markdown"], in: directory)
        #expect(run.status == 0)
        #expect(run.lines.first == "| setting | type | default | accepted | reload | meaning |")
        let rows = run.lines.dropFirst(2)
        #expect(rows.count >= 30)
        #expect(rows.allSatisfy { $0.hasPrefix("| `") && $0.hasSuffix(" |") })
        for name in ["source.table", "source.batch", "model.hidden", "log.level", "systemd.start_timeout"] {
            #expect(rows.contains { $0.hasPrefix("| `\(name)` |") }, "no row for \(name)")
        }
    }

    @Test("the example configuration checks cleanly")
    func exampleConfiguration() throws {
        let directory = try TestDirectory("check-config")
        defer { directory.remove() }
        let path = #filePath
        let root = path.firstRange(of: "/Tests/CLITests/").map { String(path[..<$0.lowerBound]) } ?? "."
        let run = try vaewatch(["check-config", "--config", root + "/systemd/vaewatch.yaml"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.contains { $0.hasPrefix("  table: public.metrics ") })
    }
}
