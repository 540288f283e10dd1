/// What `vaewatch serve` was started with: where its configuration comes from.
package struct ServeRequest: Sendable {
    /// The configuration file; nil for defaults, environment and overrides only.
    package var configurationPath: String?
    /// `--set NAME=VALUE` overrides, in order.
    package var overrides: [String]
    /// The process environment (`VAEWATCH_*` overrides, `STATE_DIRECTORY`, …).
    package var environment: [String: String]
    /// The terminal line that shows the status when run by hand; nil under systemd or without a terminal.
    package var terminal: TerminalStatusLine?

    /// A request to serve with the configuration at `configurationPath`, `overrides` and `environment`, showing the
    /// status on `terminal` when there is one.
    package init(
        configurationPath: String?, overrides: [String], environment: [String: String],
        terminal: TerminalStatusLine? = nil
    ) {
        self.configurationPath = configurationPath
        self.overrides = overrides
        self.environment = environment
        self.terminal = terminal
    }
}
