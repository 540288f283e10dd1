import ArgumentParser
import Daemon

/// `vaewatch check-config`: validates the configuration of `vaewatch serve` and prints what it would run with.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the configuration of vaewatch serve and print every setting's effective value.",
        discussion: """
            Reads the settings the way vaewatch serve does: the defaults, then the YAML file given with \
            --config, then VAEWATCH_<NAME> environment variables (the name in upper case, dots as underscores, \
            lists comma-separated), then each --set NAME=VALUE, each overriding the one before. A valid \
            configuration is printed as YAML, each setting commented with where its value came from, and the \
            exit status is 0. Otherwise every problem is printed on stderr, located (file:line:column, \
            environment variable or --set argument) and saying what would be accepted, and the exit status is 78.

            Check the installed configuration, then the same with one setting changed:
              vaewatch check-config --config /etc/vaewatch/vaewatch.yaml
              vaewatch check-config --config /etc/vaewatch/vaewatch.yaml --set log.level=debug
            Print the table of every setting (name, type, default, accepted values, reload or restart):
              vaewatch check-config --markdown
            """)

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The YAML configuration file (default: none; settings come from the rest).", valueName: "file"))
    var file: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Override one setting, such as source.batch=1000 (repeatable; wins over the file and the environment).",
            valueName: "name=value"))
    var overrides: [String] = []

    @Flag(help: "Print the settings table in Markdown and exit.")
    var markdown = false

    func run() throws {
        if markdown {
            print(Settings.markdownTable(), terminator: "")
            return
        }
        do {
            let resolved = try Settings.resolve(
                file: file, environment: Settings.processEnvironment(), overrides: overrides)
            print(Settings.render(resolved.configuration, origins: resolved.origins), terminator: "")
        } catch {
            for problem in error.problems { Terminal.printError(problem.description) }
            let count = error.problems.count
            let what =
                count == 1
                ? "1 problem in the configuration; fix it" : "\(count) problems in the configuration; fix them"
            throw fail(what + " and run vaewatch check-config again", status: ExitStatus.configuration)
        }
    }
}
