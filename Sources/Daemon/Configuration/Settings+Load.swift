import Glibc
import Detector
import PostgresStore
import Yams

/// A merged, checked configuration and where each setting's value came from.
package struct ResolvedConfiguration: Sendable, Equatable {
    /// The configuration.
    package var configuration: ServeConfiguration
    /// Where each setting's value came from, by setting name.
    package var origins: [String: SettingOrigin]
}

extension Settings {
    /// Merges the defaults, the YAML `file` (nil: none), the `VAEWATCH_…` variables of `environment` and the
    /// `name=value` `overrides` (from `--set`), later ones winning, and checks the result.
    ///
    /// - Throws: every problem found, each located and saying what would be accepted.
    package static func load(
        file: String?, environment: [String: String], overrides: [String]
    ) throws(ConfigurationError) -> ServeConfiguration {
        try resolve(file: file, environment: environment, overrides: overrides).configuration
    }

    /// As ``load(file:environment:overrides:)``, also saying where each value came from.
    package static func resolve(
        file: String?, environment: [String: String], overrides: [String]
    ) throws(ConfigurationError) -> ResolvedConfiguration {
        var merge = Merge(environment: environment)
        if let file { merge.readFile(file) }
        merge.readEnvironment(environment)
        merge.readOverrides(overrides)
        merge.deriveAndCheck()
        guard merge.problems.isEmpty else { throw ConfigurationError(merge.problems) }
        return ResolvedConfiguration(configuration: merge.configuration, origins: merge.origins)
    }

    /// The environment of this process.
    package static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }

    /// Variables with the `VAEWATCH_` prefix that are not settings but are allowed.
    static let otherVariables: Set<String> = ["VAEWATCH_FAULT"]

    /// The settings by environment variable.
    static let byVariable: [String: Setting] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.environmentVariable, $0) })
}

/// The state of one merge: the configuration so far, the origins, and the problems.
private struct Merge {
    var configuration = ServeConfiguration()
    var origins: [String: SettingOrigin] = Dictionary(
        uniqueKeysWithValues: Settings.all.map { ($0.name, .defaultValue) })
    var problems: [ConfigurationError.Problem] = []
    /// Settings given a bad value somewhere; the checks across settings leave them out.
    var failed: Set<String> = []
    /// Whether the file could not be read or parsed; the checks across settings are then left out, as the
    /// settings it holds are unknown.
    var fileUnread = false

    /// Starts from the defaults, with the directories systemd passes.
    init(environment: [String: String]) {
        if let directory = Self.firstPath(environment["STATE_DIRECTORY"]) {
            configuration.stateDirectory = directory
            origins["state.directory"] = .derived("$STATE_DIRECTORY")
        }
        if let directory = Self.firstPath(environment["RUNTIME_DIRECTORY"]) {
            configuration.runtimeDirectory = directory
            origins["state.runtime_directory"] = .derived("$RUNTIME_DIRECTORY")
        }
    }

    /// The first of systemd's colon-separated paths, or nil when there is none.
    static func firstPath(_ value: String?) -> String? {
        guard let value, let first = value.split(separator: ":").first, !first.isEmpty else { return nil }
        return String(first)
    }

    /// Parses and checks a value for `setting`, then writes it, or records the problem.
    mutating func take(
        _ setting: Setting, from origin: SettingOrigin, _ parse: () throws(ValueProblem) -> SettingValue
    ) {
        do {
            let value = try parse()
            try setting.validate(value)
            setting.write(&configuration, value)
            origins[setting.name] = origin
        } catch {
            problems.append(.init(location: origin.location, setting: setting.name, message: error.message))
            failed.insert(setting.name)
        }
    }

    /// Reads the YAML file at `path`.
    mutating func readFile(_ path: String) {
        let text: String
        do {
            text = try ConfigurationFile.read(path)
        } catch {
            problems += error.problems
            fileUnread = true
            return
        }
        let (entries, fileProblems) = ConfigurationFile.entries(of: text, path: path)
        problems += fileProblems
        if entries.isEmpty && !fileProblems.isEmpty { fileUnread = true }
        for entry in entries {
            let origin = SettingOrigin.file(path: path, line: entry.line, column: entry.column)
            guard let setting = Settings.named(entry.name) else {
                problems.append(.init(location: origin.location, setting: nil, message: Self.unknown(entry.name)))
                continue
            }
            take(setting, from: origin) { () throws(ValueProblem) in try Self.value(of: entry.value, for: setting) }
        }
    }

    /// Reads the `VAEWATCH_…` variables.
    mutating func readEnvironment(_ environment: [String: String]) {
        for (variable, text) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix("VAEWATCH_") {
            if Settings.otherVariables.contains(variable) { continue }
            let origin = SettingOrigin.environment(variable)
            guard let setting = Settings.byVariable[variable] else {
                var message = "not a setting"
                let prefix = "VAEWATCH_"
                let names = Settings.byVariable.keys.map { String($0.dropFirst(prefix.count)) }
                if let near = Suggestion.nearest(to: String(variable.dropFirst(prefix.count)), among: names) {
                    message += "; did you mean \(prefix + near)?"
                } else {
                    message += "; unset it (vaewatch check-config --markdown lists the settings)"
                }
                problems.append(.init(location: origin.location, setting: nil, message: message))
                continue
            }
            take(setting, from: origin) { () throws(ValueProblem) in try setting.parse(text: text) }
        }
    }

    /// Reads the `name=value` overrides.
    mutating func readOverrides(_ overrides: [String]) {
        for argument in overrides {
            let origin = SettingOrigin.override(argument)
            guard let equals = argument.firstIndex(of: "=") else {
                problems.append(
                    .init(
                        location: origin.location, setting: nil,
                        message: "expected NAME=VALUE, such as --set source.batch=1000"))
                continue
            }
            let name = Setting.trimmed(String(argument[..<equals]))
            let text = String(argument[argument.index(after: equals)...])
            guard let setting = Settings.named(name) else {
                problems.append(.init(location: origin.location, setting: nil, message: Self.unknown(name)))
                continue
            }
            take(setting, from: origin) { () throws(ValueProblem) in try setting.parse(text: text) }
        }
    }

    /// Fills the defaults that depend on other settings and checks the settings against each other.
    mutating func deriveAndCheck() {
        let sourceValid = !failed.contains("source.kind") && !fileUnread
        if origins["sink.kind"] == .defaultValue && configuration.sourceKind == .stdin {
            configuration.sinkKind = .stdout
            origins["sink.kind"] = .derived("source.kind stdin")
        }
        if configuration.sourceName.isEmpty && QualifiedName(parsing: configuration.sourceTable).schema != nil {
            configuration.sourceName = configuration.sourceTable
            origins["source.name"] = .derived("source.table")
        }
        if sourceValid && !failed.contains("source.table") && configuration.sourceKind == .postgres
            && configuration.sourceTable.isEmpty
        {
            problems.append(
                .init(
                    location: origins["source.kind"]?.location, setting: "source.table",
                    message: "a PostgreSQL source needs a table; set source.table (such as public.metrics), or "
                        + "set source.kind to stdin to read standard input"))
        }
        if sourceValid && !failed.contains("sink.kind") {
            switch (configuration.sinkKind, configuration.sourceKind) {
            case (.stdout, .postgres):
                problems.append(
                    .init(
                        location: origins["sink.kind"]?.location, setting: "sink.kind",
                        message: "stdout needs source.kind stdin; a PostgreSQL source writes its verdicts to "
                            + "vaewatch.scores (sink.kind postgres)"))
            case (.postgres, .stdin):
                problems.append(
                    .init(
                        location: origins["sink.kind"]?.location, setting: "sink.kind",
                        message: "postgres needs source.kind postgres; with standard input, verdicts go to "
                            + "standard output (sink.kind stdout)"))
            default:
                break
            }
        }
        if !failed.contains(where: { $0.hasPrefix("model.") || $0.hasPrefix("training.") || $0.hasPrefix("threshold.") }
        ) {
            do {
                try configuration.detector.validate()
            } catch {
                problems.append(.init(location: nil, setting: "model", message: error.description))
            }
        }
    }

    /// The value a YAML node gives `setting`.
    static func value(of node: Node, for setting: Setting) throws(ValueProblem) -> SettingValue {
        switch node {
        case .scalar(let scalar):
            let isNull =
                scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            return try setting.parse(text: scalar.string, isNull: isNull)
        case .sequence(let sequence):
            var items: [String] = []
            for item in sequence {
                guard case .scalar(let scalar) = item else {
                    throw ValueProblem("expected \(setting.kind.expectation), found a list holding a list or mapping")
                }
                items.append(scalar.string)
            }
            return try setting.parse(items: items)
        case .mapping:
            let key = setting.name.split(separator: ".").last ?? ""
            throw ValueProblem(
                "expected \(setting.kind.expectation), found a mapping; write the value after \"\(key):\" on the "
                    + "same line")
        case .alias:
            throw ValueProblem("YAML aliases (*name) are not supported here; write the value itself")
        }
    }

    /// The message for an unknown setting `name`, with a suggestion when one is close.
    static func unknown(_ name: String) -> String {
        let names = Settings.all.map(\.name)
        let members = names.filter { $0.hasPrefix(name + ".") }
        if !members.isEmpty {
            return "\(YAMLText.quoted(name)) is a section, not a setting; put its settings under it, such as "
                + "\(members[0])"
        }
        if let near = Suggestion.nearest(to: name, among: names) {
            return "unknown setting \(YAMLText.quoted(name)); did you mean \"\(near)\"?"
        }
        return "unknown setting \(YAMLText.quoted(name)); vaewatch check-config --markdown lists the settings"
    }
}
