import PostgresStore

/// Everything wrong with a configuration, each problem located (file and line, environment variable, or `--set`
/// argument) and saying what would be accepted. ``Settings/load(file:environment:overrides:)`` collects every
/// problem before it throws, so one run of `vaewatch check-config` shows them all.
package struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// One thing wrong with the configuration.
    package struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// Where the bad value was written: `vaewatch.yaml:7:3`, `environment VAEWATCH_SOURCE_BATCH`,
        /// `--set source.batch=0`, or nil for a default or the configuration as a whole.
        package var location: String?
        /// The setting concerned, when there is one.
        package var setting: String?
        /// What is wrong and what would be accepted, without the location and the setting.
        package var message: String

        /// A problem.
        package init(location: String?, setting: String?, message: String) {
            self.location = location
            self.setting = setting
            self.message = message
        }

        /// `location: setting: message`, leaving out what is nil, with any password hidden: a location or a
        /// message may quote a connection string (``PasswordRedaction``).
        package var description: String {
            [location, setting, message].compactMap { $0 }.map(PasswordRedaction.redacted).joined(separator: ": ")
        }
    }

    /// The problems, in the order they were found: the file top to bottom, then the environment, then `--set`,
    /// then the checks across settings.
    package var problems: [Problem]

    /// An error with `problems` (at least one).
    package init(_ problems: [Problem]) {
        self.problems = problems
    }

    /// One problem per line.
    package var description: String {
        problems.map(\.description).joined(separator: "\n")
    }

    /// The first problem, and how many more there are: one line for systemd's STATUS=.
    package var summary: String {
        guard let first = problems.first else { return "invalid configuration" }
        return problems.count == 1 ? first.description : "\(first.description) (and \(problems.count - 1) more)"
    }
}
