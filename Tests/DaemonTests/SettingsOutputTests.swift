@testable import Daemon
import Glibc
import TestSupport
import Testing

@Suite("Settings: reload, printing and the example file")
struct SettingsOutputTests {
    /// The package's root folder, found from this file's path.
    static var packageRoot: String {
        let path = #filePath
        guard let range = path.firstRange(of: "/Tests/DaemonTests/") else { return "." }
        return String(path[..<range.lowerBound])
    }

    /// The settings a SIGHUP applies (the control service applies exactly these; the output format of a running
    /// stdin stream does not change mid-stream, so `sink.only_anomalies` needs a restart).
    static let reloadable: Set<String> = [
        "log.level", "training.every_records", "training.every_seconds", "training.epochs", "training.threads",

        "threshold.quantile", "threshold.rate", "state.keep",
    ]

    @Test("the reloadable settings are exactly the agreed ones")
    func reloadableSet() {
        #expect(Set(Settings.all.filter(\.reloadable).map(\.name)) == Self.reloadable)
        #expect(Set(Settings.all.map(\.name)).count == Settings.all.count, "names are unique")
    }

    @Test("reloadableDifferences names each changed setting once, split by reloadability")
    func differences() throws {
        let old = try Settings.load(file: nil, environment: [:], overrides: ["source.table=public.metrics"])
        #expect(Settings.reloadableDifferences(from: old, to: old) == ([], []))
        let new = try Settings.load(
            file: nil, environment: [:],
            overrides: ["source.table=public.metrics", "log.level=debug", "source.batch=10", "state.keep=2"])
        let (applied, needRestart) = Settings.reloadableDifferences(from: old, to: new)
        #expect(applied == ["state.keep", "log.level"])
        #expect(needRestart == ["source.batch"])
        // Settings that change with another: standard input turns the sink to standard output, a
        // schema-qualified table names the source.
        let alsoChanged: [String: Set<String>] = [
            "source.kind": ["sink.kind"], "sink.kind": ["source.kind"], "source.table": ["source.name"],
        ]
        let before = try Settings.load(file: nil, environment: [:], overrides: ["source.table=public.metrics"])
        for setting in Settings.all {
            let after = try Self.changing(setting)
            let (applied, needRestart) = Settings.reloadableDifferences(from: before, to: after)
            #expect((setting.reloadable ? applied : needRestart).contains(setting.name))
            #expect(
                Set(applied + needRestart) == alsoChanged[setting.name, default: []].union([setting.name]),
                "\(setting.name): \(applied) \(needRestart)")
            #expect(Set(applied).isDisjoint(with: needRestart))
        }
    }

    /// The configuration of `public.metrics` with `setting` (and the settings it needs) off its default.
    static func changing(_ setting: Setting) throws -> ServeConfiguration {
        let arguments =
            ["source.table=public.metrics"] + companions(of: setting).map { "\($0.name)=\($0.value)" }
            + ["\(setting.name)=\(commandLineText(nonDefaultValue(setting)))"]
        return try Settings.load(file: nil, environment: [:], overrides: arguments)
    }

    @Test("a reload takes every reloadable setting's new value, through the table, and keeps every other")
    func reloadMerges() throws {
        let before = try Settings.load(file: nil, environment: [:], overrides: ["source.table=public.metrics"])
        for setting in Settings.all {
            let after = try Self.changing(setting)
            let (merged, applied, needRestart) = Settings.reloaded(before, with: after)
            #expect(
                setting.read(merged) == setting.read(setting.reloadable ? after : before),
                "\(setting.name) (reloadable: \(setting.reloadable))")
            #expect(
                Settings.all.filter { !$0.reloadable }.allSatisfy { $0.read(merged) == $0.read(before) },
                "\(setting.name): a reload changed a setting that needs a restart")
            #expect(Settings.reloadableDifferences(from: before, to: after) == (applied, needRestart))
        }
    }

    @Test("render prints every setting with its origin, as YAML that loads back to the same configuration")
    func renderRoundTrip() throws {
        let file = try SettingsFile("source:\n  table: public.metrics\n  columns: [cpu, \"memory: rss\"]\n")
        defer { file.remove() }
        let resolved = try file.resolve(
            environment: ["VAEWATCH_SOURCE_BATCH": "250", "STATE_DIRECTORY": "/var/lib/vw"],
            overrides: ["model.hidden=16,8"])
        let text = Settings.render(resolved.configuration, origins: resolved.origins)
        print(text)
        let lines = text.split(separator: "\n")
        #expect(lines.count == Settings.all.count + Set(Settings.all.map { $0.name.split(separator: ".")[0] }).count)
        #expect(lines.contains { $0.hasPrefix("  table: public.metrics ") && $0.hasSuffix("# \(file.path):2:3") })
        #expect(lines.contains { $0.hasPrefix("  batch: 250 ") && $0.hasSuffix("# environment VAEWATCH_SOURCE_BATCH") })
        #expect(lines.contains { $0.hasPrefix("  hidden: [16, 8] ") && $0.hasSuffix("# --set model.hidden=16,8") })
        #expect(
            lines.contains {
                $0.hasPrefix("  directory: /var/lib/vw ") && $0.hasSuffix("# default from $STATE_DIRECTORY")
            })
        #expect(lines.contains { $0.hasPrefix("  columns: [cpu, \"memory: rss\"]") })
        let rendered = try SettingsFile(text)
        defer { rendered.remove() }
        #expect(try rendered.load() == resolved.configuration)
    }

    @Test("the Markdown table has a header and one row per setting")
    func markdown() {
        let lines = Settings.markdownTable().split(separator: "\n")
        #expect(lines.count == Settings.all.count + 2)
        #expect(lines[0] == "| setting | type | default | accepted | reload | meaning |")
        for setting in Settings.all {
            #expect(lines.contains { $0.hasPrefix("| `\(setting.name)` | \(setting.kind.name) | ") })
        }
        #expect(
            lines.contains(
                "| `source.batch` | whole number | `5000` | 1…100000 | restart | most records per transaction |"))
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "| `log.level` | choice | `info` | trace, debug, info, notice, warning, error, critical | yes |")
            })
    }

    @Test("systemd/vaewatch.yaml loads cleanly and shows every setting")
    func exampleFile() throws {
        let path = Self.packageRoot + "/systemd/vaewatch.yaml"
        let resolved = try Settings.resolve(file: path, environment: [:], overrides: [])
        let configuration = resolved.configuration
        #expect(configuration.sourceTable == "public.metrics" && configuration.sourceKey == "id")
        #expect(configuration.databaseURL == "host=/run/postgresql dbname=metrics user=vaewatch")
        let text = String(decoding: try readFile(path), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        var section = ""
        var shown: [String: String] = [:]
        for line in lines {
            if !line.hasPrefix(" ") && !line.hasPrefix("#") && line.hasSuffix(":") {
                section = String(line.dropLast())
                continue
            }
            // "  name: value  # meaning", or commented out: "  # name: value  # meaning".
            var body = Substring(line.drop(while: { $0 == " " }))
            if body.hasPrefix("# ") { body = body.dropFirst(2) }
            guard let colon = body.firstIndex(of: ":"), !section.isEmpty else { continue }
            let name = section + "." + body[..<colon]
            if Settings.named(name) != nil && shown[name] == nil { shown[name] = line }
        }
        let missing = Settings.all.map(\.name).filter { shown[$0] == nil }
        #expect(missing.isEmpty, "settings the example does not show: \(missing)")
        let changed: Set<String> = ["source.table", "database.url", "source.name"]
        for setting in Settings.all where !changed.contains(setting.name) {
            #expect(
                setting.value(in: configuration) == setting.defaultValue,
                "the example sets \(setting.name) to something other than its default")
            let line = shown[setting.name] ?? ""
            #expect(line.contains("#"), "the line of \(setting.name) has no comment: \(line)")
        }
    }
}
