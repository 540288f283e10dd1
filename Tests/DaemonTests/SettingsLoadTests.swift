import Daemon
import Detector
import VAE
import TestSupport
import Testing

@Suite("Settings: loading and precedence")
struct SettingsLoadTests {
    @Test(
        "each setting reaches its field from the file, the environment and --set", arguments: Settings.all.map(\.name))
    func everySettingApplies(name: String) throws {
        let setting = try #require(Settings.named(name))
        let value = nonDefaultValue(setting)
        let base = companions(of: setting)
        let file = try SettingsFile(settingsYAML(base + [(name, value.yaml)]))
        defer { file.remove() }
        let companionFile = try SettingsFile(base.isEmpty ? "" : settingsYAML(base))
        defer { companionFile.remove() }
        let before = try Settings.load(file: nil, environment: [:], overrides: ["source.table=public.metrics"])
        #expect(setting.value(in: before) != value, "the test value must differ from the usual value")

        let fromFile = try file.resolve()
        #expect(setting.value(in: fromFile.configuration) == value)
        #expect(fromFile.configuration != before, "\(name) changed no field of ServeConfiguration")
        if case .file(_, let line, let column) = fromFile.origins[name] {
            #expect(line > 0 && column == 3)
        } else {
            Issue.record("origin of \(name) is \(String(describing: fromFile.origins[name])), not the file")
        }

        let text = commandLineText(value)
        let fromEnvironment = try companionFile.resolve(environment: [setting.environmentVariable: text])
        #expect(setting.value(in: fromEnvironment.configuration) == value)
        #expect(fromEnvironment.origins[name] == .environment(setting.environmentVariable))

        let fromOverride = try companionFile.resolve(overrides: ["\(name)=\(text)"])
        #expect(setting.value(in: fromOverride.configuration) == value)
        #expect(fromOverride.origins[name] == .override("\(name)=\(text)"))
    }

    @Test("the table covers every field of ServeConfiguration: all settings changed change every field")
    func tableCoversEveryField() throws {
        let assignments = Settings.all.map { ($0.name, nonDefaultValue($0).yaml) }
        let file = try SettingsFile(settingsYAML(assignments))
        defer { file.remove() }
        let loaded = try file.load()
        let defaults = ServeConfiguration()
        let fields = Mirror(reflecting: loaded).children
        let unchanged = zip(fields, Mirror(reflecting: defaults).children).filter {
            String(describing: $0.0.value) == String(describing: $0.1.value)
        }.map { $0.0.label ?? "?" }
        #expect(fields.count >= 24)
        #expect(unchanged.isEmpty, "fields no setting reaches: \(unchanged)")
        let options = loaded.detector
        #expect(options.hiddenWidths == [48] && options.latentWidth == 9 && options.beta == 1.5)
        #expect(options.topFeatureCount == 4 && options.training.epochs == 101 && options.training.seed == 1)
        #expect(abs(options.thresholdQuantile - 0.7475) < 1e-12)
        #expect(loaded.startTimeoutSeconds == 91)
    }

    @Test("precedence: defaults < file < environment < --set")
    func precedence() throws {
        let file = try SettingsFile("source:\n  table: public.metrics\n  batch: 100\n")
        defer { file.remove() }
        #expect(try file.load().batchSize == 100)
        let environment = ["VAEWATCH_SOURCE_BATCH": "200"]
        #expect(try file.load(environment: environment).batchSize == 200)
        let resolved = try file.resolve(environment: environment, overrides: ["source.batch=300", "source.poll=2.5"])
        #expect(resolved.configuration.batchSize == 300)
        #expect(resolved.configuration.pollSeconds == 2.5)
        #expect(resolved.origins["source.batch"] == .override("source.batch=300"))
        #expect(resolved.origins["source.table"] == .file(path: file.path, line: 2, column: 3))
        #expect(resolved.origins["source.key"] == .defaultValue)
        #expect(try file.load(overrides: ["source.batch=1", "source.batch=7"]).batchSize == 7, "the last --set wins")
        let noFile = try Settings.load(
            file: nil, environment: ["VAEWATCH_SOURCE_TABLE": "t"], overrides: ["source.workers=3"])
        #expect(noFile.sourceTable == "t" && noFile.workers == 3 && noFile.batchSize == 5000)
    }

    @Test("lists: YAML lists, flow lists and comma-separated text in the environment")
    func lists() throws {
        let file = try SettingsFile(
            "source:\n  table: t\n  columns:\n    - cpu\n    - memory\nmodel:\n  hidden: [128, 64, 32]\n")
        defer { file.remove() }
        let loaded = try file.load()
        #expect(loaded.sourceColumns == ["cpu", "memory"])
        #expect(loaded.detector.hiddenWidths == [128, 64, 32])
        let environment = ["VAEWATCH_SOURCE_COLUMNS": "a, b,c", "VAEWATCH_MODEL_HIDDEN": "16,8"]
        let fromEnvironment = try file.load(environment: environment)
        #expect(fromEnvironment.sourceColumns == ["a", "b", "c"])
        #expect(fromEnvironment.detector.hiddenWidths == [16, 8])
        #expect(try file.load(overrides: ["source.columns="]).sourceColumns == [])
    }

    @Test("defaults from systemd's directories and from other settings")
    func derivedDefaults() throws {
        let file = try SettingsFile("source:\n  table: public.metrics\n")
        defer { file.remove() }
        let plain = try file.resolve()
        #expect(plain.configuration.stateDirectory == "/var/lib/vaewatch")
        #expect(plain.configuration.runtimeDirectory == "/run/vaewatch")
        #expect(plain.configuration.sinkKind == .postgres)
        #expect(plain.configuration.sourceName == "public.metrics")
        #expect(plain.origins["source.name"] == .derived("source.table"))

        let systemd = try file.resolve(environment: [
            "STATE_DIRECTORY": "/var/lib/vaewatch-a:/var/lib/vaewatch-b", "RUNTIME_DIRECTORY": "/run/vw",
        ])
        #expect(systemd.configuration.stateDirectory == "/var/lib/vaewatch-a")
        #expect(systemd.configuration.runtimeDirectory == "/run/vw")
        #expect(systemd.origins["state.directory"] == .derived("$STATE_DIRECTORY"))
        let explicit = try file.load(
            environment: ["STATE_DIRECTORY": "/var/lib/vaewatch-a"], overrides: ["state.directory=/srv/state"])
        #expect(explicit.stateDirectory == "/srv/state", "an explicit setting wins over $STATE_DIRECTORY")

        let stdin = try Settings.resolve(file: nil, environment: [:], overrides: ["source.kind=stdin"])
        #expect(stdin.configuration.sinkKind == .stdout)
        #expect(stdin.origins["sink.kind"] == .derived("source.kind stdin"))
        let unqualified = try Settings.load(file: nil, environment: [:], overrides: ["source.table=metrics"])
        #expect(unqualified.sourceName == "", "left to the catalog's schema.table, as init-db and backfill do")
    }

    @Test("YAML details: flat dotted keys, quoted text, nulls, underscores in numbers, comments")
    func yamlDetails() throws {
        let file = try SettingsFile(
            """
            # comment
            source.table: "public.metrics"   # a flat dotted key
            source:
              batch: 10_000
              name: "true"
            model:
              path:
            training:
              every_seconds: 0.5
              every_records: 0
            sink:
              only_anomalies: yes

            """)
        defer { file.remove() }
        let loaded = try file.load()
        #expect(loaded.sourceTable == "public.metrics" && loaded.batchSize == 10_000 && loaded.sourceName == "true")
        #expect(loaded.modelPath == "" && loaded.retrainEverySeconds == 0.5 && loaded.onlyAnomalies)
        let empty = try SettingsFile("# nothing but a comment\n")
        defer { empty.remove() }
        #expect(try empty.load(overrides: ["source.table=t"]).batchSize == 5000)
    }
}
