import Daemon
import TestSupport
import Testing

/// A configuration file `vaewatch.yaml` in a fresh directory, loaded as `vaewatch serve` would load it.
struct SettingsFile {
    /// The directory holding the file.
    let directory: TestDirectory
    /// The file's absolute path.
    let path: String

    /// Writes `yaml` to `vaewatch.yaml` in a fresh directory.
    init(_ yaml: String) throws {
        directory = try TestDirectory("settings")
        try directory.write(Array(yaml.utf8), to: "vaewatch.yaml")
        path = directory.file("vaewatch.yaml")
    }

    /// Loads the file with `environment` and `overrides`.
    func load(environment: [String: String] = [:], overrides: [String] = []) throws(ConfigurationError)
        -> ServeConfiguration
    {
        try Settings.load(file: path, environment: environment, overrides: overrides)
    }

    /// Loads the file, also returning the origins.
    func resolve(environment: [String: String] = [:], overrides: [String] = []) throws(ConfigurationError)
        -> ResolvedConfiguration
    {
        try Settings.resolve(file: path, environment: environment, overrides: overrides)
    }

    /// The problems loading reports, each as printed, with the directory left out so that they read
    /// `vaewatch.yaml:7:3: …`; empty when the configuration is valid.
    func problems(environment: [String: String] = [:], overrides: [String] = []) -> [String] {
        do {
            _ = try load(environment: environment, overrides: overrides)
            return []
        } catch {
            return error.problems.map { $0.description.replacing(directory.path + "/", with: "") }
        }
    }

    /// Removes the directory.
    func remove() { directory.remove() }
}

/// `value` as `--set` and the environment take it: text as it is (they read no YAML quotes), anything else as YAML
/// writes it.
func commandLineText(_ value: SettingValue) -> String {
    if case .text(let text) = value { return text }
    return value.yaml
}

/// A valid value for `setting` that differs from its default.
func nonDefaultValue(_ setting: Setting) -> SettingValue {
    switch (setting.kind, setting.defaultValue, setting.bounds) {
    case (.integer, .integer(let value), .integers(let range)?):
        return .integer(value + 1 <= range.upperBound ? value + 1 : value - 1)
    case (_, .number(let value), .numbers(let range)?):
        if value + 1 <= range.upperBound { return .number(value + 1) }
        // A default at the lower bound (threshold.rate's 0) moves up, any other one down.
        return .number(value > range.lowerBound ? (range.lowerBound + value) / 2 : (value + range.upperBound) / 2)
    case (.integerList, .integers(let values), _):
        return .integers(values == [48] ? [40] : [48])
    case (.textList, _, _):
        return .texts(["cpu", "memory"])
    case (.boolean, .boolean(let value), _):
        return .boolean(!value)
    case (.choice(let values), .text(let value), _):
        return .text(values.first { $0 != value }!)
    case _ where setting.name == "metrics.listen":
        return .text("127.0.0.1:9751")
    default:
        return .text("/srv/other")
    }
}

/// Settings that must accompany `setting` at a non-default value for the configuration to be valid: a
/// PostgreSQL table, and standard input for a stdout sink.
func companions(of setting: Setting) -> [(name: String, value: String)] {
    switch setting.name {
    case "sink.kind": [("source.kind", "stdin")]
    case "source.table", "source.kind": []
    default: [("source.table", "public.metrics")]
    }
}
