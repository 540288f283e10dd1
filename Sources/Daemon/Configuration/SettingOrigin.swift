import PostgresStore

/// Where a setting's effective value came from.
package enum SettingOrigin: Sendable, Equatable, CustomStringConvertible {
    /// The built-in default.
    case defaultValue
    /// A default worked out from something else: `$STATE_DIRECTORY`, or another setting.
    case derived(String)
    /// The configuration file, at a line and column (both from 1).
    case file(path: String, line: Int, column: Int)
    /// An environment variable, such as `VAEWATCH_SOURCE_BATCH`.
    case environment(String)
    /// A command-line override, such as `source.batch=1000` from `--set`.
    case override(String)

    /// `default`, `default from $STATE_DIRECTORY`, `vaewatch.yaml:7:3`, `environment VAEWATCH_SOURCE_BATCH`,
    /// `--set source.batch=1000`; a password in a `--set` argument shows as `***` (``PasswordRedaction``).
    package var description: String {
        switch self {
        case .defaultValue: "default"
        case .derived(let from): "default from " + from
        case .file(let path, let line, let column): "\(path):\(line):\(column)"
        case .environment(let variable): "environment " + variable
        case .override(let argument): "--set " + PasswordRedaction.redacted(argument)
        }
    }

    /// The location a problem with this value names; nil for defaults.
    var location: String? {
        switch self {
        case .defaultValue, .derived: nil
        default: description
        }
    }
}
