import ArgumentParser
import Daemon
import Glibc

/// `vaewatch status`: what the running daemon is doing, from the status file it keeps.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the running daemon is doing: state, counts, anomaly rate, model, retrains, errors.",
        discussion: """
            Reads the status file the daemon rewrites about once a second in its runtime folder: the folder \
            --runtime-directory names; else the state.runtime_directory of the configuration file --config names \
            (with VAEWATCH_* variables applied, as vaewatch serve reads it); else $RUNTIME_DIRECTORY, else \
            /run/vaewatch. Times print in the local time zone with their age; once the daemon has ended, the state \
            says how (`stopped (exit 0) at …`, or `not running` when it was killed). --json prints the file as \
            it is, for scripts (times in seconds since 1970; exit_status and stopped_at are set by the daemon's \
            last write, which sets state to stopped).
            """)

    @Option(
        name: .customLong("runtime-directory"),
        help: ArgumentHelp(
            "The daemon's runtime folder (wins over --config; default $RUNTIME_DIRECTORY, else /run/vaewatch).",
            valueName: "folder"))
    var runtimeDirectory: String?

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The daemon's YAML configuration file: the runtime folder is its state.runtime_directory.",
            valueName: "file"))
    var configurationPath: String?

    @Flag(help: "Print the status file's JSON as it is.")
    var json = false

    func run() throws {
        let path = try folder() + "/" + StatusFile.name
        let text: String
        do {
            text = try StatusFile.read(path: path)
        } catch {
            Terminal.printError(
                "vaewatch: \(error.description)\nIs the daemon running? Check `systemctl status vaewatch`, or pass "
                    + "--config with its configuration file, or --runtime-directory with the folder its "
                    + "state.runtime_directory names.")
            throw ExitCode(ExitStatus.unavailable)
        }
        if json {
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            return
        }
        guard let fields = StatusFile.fields(of: text) else {
            Terminal.printError("vaewatch: \(path) is not a status file (damaged?); the daemon rewrites it each second")
            throw ExitCode(ExitStatus.data)
        }
        for line in StatusFile.peopleLines(of: fields, now: Int64(time(nil))) { print(line) }
    }

    /// The runtime folder: --runtime-directory, else the configuration's state.runtime_directory, else the default.
    private func folder() throws -> String {
        if let runtimeDirectory { return runtimeDirectory }
        guard let configurationPath else { return RuntimeFolder.default }
        do {
            return try Settings.load(
                file: configurationPath, environment: Settings.processEnvironment(), overrides: []
            ).runtimeDirectory
        } catch {
            for problem in error.problems { Terminal.printError(problem.description) }
            throw fail(
                "the configuration \(configurationPath) is not valid, so its runtime folder is unknown; fix it "
                    + "(vaewatch check-config --config \(configurationPath)) or pass --runtime-directory",
                status: ExitStatus.configuration)
        }
    }
}
