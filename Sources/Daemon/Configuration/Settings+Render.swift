import PostgresStore

/// Printing settings: the effective configuration for `vaewatch check-config`, the README's table, and what a
/// reload changes.
extension Settings {
    /// The configuration as YAML that loads back to the same values, each setting commented with where its value
    /// came from (`# default`, `# vaewatch.yaml:7:3`, `# environment VAEWATCH_SOURCE_BATCH`, `# --set …`). A
    /// secret a value holds (an `sslpassword` in `database.url`) shows as `***`.
    package static func render(_ configuration: ServeConfiguration, origins: [String: SettingOrigin] = [:]) -> String {
        var sections: [(name: String, lines: [(text: String, origin: String)])] = []
        for setting in all {
            let parts = setting.name.split(separator: ".", maxSplits: 1).map(String.init)
            let line = "  \(parts[1]): \(PasswordRedaction.redacted(setting.read(configuration).yaml))"
            let origin = (origins[setting.name] ?? .defaultValue).description
            if sections.last?.name == parts[0] {
                sections[sections.count - 1].lines.append((line, origin))
            } else {
                sections.append((parts[0], [(line, origin)]))
            }
        }
        let width = min(48, sections.flatMap(\.lines).map(\.text.count).max() ?? 0)
        var text = ""
        for section in sections {
            text += section.name + ":\n"
            for line in section.lines {
                let padding = String(repeating: " ", count: max(1, width - line.text.count + 2))
                text += line.text + padding + "# " + line.origin + "\n"
            }
        }
        return text
    }

    /// A Markdown table of every setting: name, type, default, accepted values, whether a reload applies it,
    /// and its meaning.
    package static func markdownTable() -> String {
        func cell(_ text: String) -> String { text.replacing("|", with: "\\|") }
        var text = "| setting | type | default | accepted | reload | meaning |\n"
        text += "|---|---|---|---|---|---|\n"
        for setting in all {
            let row = [
                "`\(setting.name)`", setting.kind.name, "`\(cell(setting.defaultText))`",
                cell(setting.accepted ?? ""), setting.reloadable ? "yes" : "restart", cell(setting.meaning),
            ]
            text += "| " + row.joined(separator: " | ") + " |\n"
        }
        return text
    }

    /// The settings whose values differ between `old` and `new`, split into those a reload applies and those
    /// that need a restart (the daemon keeps their old values and says so).
    package static func reloadableDifferences(
        from old: ServeConfiguration, to new: ServeConfiguration
    ) -> (applied: [String], needRestart: [String]) {
        var applied: [String] = []
        var needRestart: [String] = []
        for setting in all where setting.read(old) != setting.read(new) {
            if setting.reloadable { applied.append(setting.name) } else { needRestart.append(setting.name) }
        }
        return (applied, needRestart)
    }
}
