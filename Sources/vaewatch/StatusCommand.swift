import ArgumentParser
import Daemon
import Glibc

/// `vaewatch status`: what the running daemon is doing, from the status file it keeps.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the running daemon is doing: state, counts, anomaly rate, model, retrains, errors.",
        discussion: """
            Reads the status file the daemon rewrites about once a second in its runtime folder (default \
            $RUNTIME_DIRECTORY, else /run/vaewatch). --json prints the file as it is, for scripts; the file \
            also says how old it is (updated_at), so a stale file shows a daemon that stopped.
            """)

    @Option(
        name: .customLong("runtime-directory"),
        help: ArgumentHelp("The daemon's runtime folder.", valueName: "folder"))
    var runtimeDirectory: String = RuntimeFolder.default

    @Flag(help: "Print the status file's JSON as it is.")
    var json = false

    func run() throws {
        let path = runtimeDirectory + "/" + StatusFile.name
        let text: String
        do {
            text = try StatusFile.read(path: path)
        } catch {
            Terminal.printError(
                "vaewatch: \(error.description)\nIs the daemon running? Check `systemctl status vaewatch`, or pass "
                    + "--runtime-directory with the folder its state.runtime_directory names.")
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
        let pid = fields.first { $0.key == "pid" }?.value.flatMap { pid_t($0) }
        let alive = pid.map { kill($0, 0) == 0 || errno == EPERM } ?? false
        let width = fields.map(\.key.count).max() ?? 0
        for (key, value) in fields {
            let label = key.replacing("_", with: " ")
            print(label + String(repeating: " ", count: width - key.count + 2) + (value ?? "-"))
        }
        if !alive { print("(process \(pid.map(String.init) ?? "?") is not running: this is its last status)") }
    }
}
