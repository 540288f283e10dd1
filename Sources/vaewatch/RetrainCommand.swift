import ArgumentParser
import Daemon
import Glibc
internal import SystemIO

/// `vaewatch retrain`: asks the running daemon for a retrain now (SIGUSR1 through its pid file).
struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Ask the running daemon to retrain now (sends it SIGUSR1).",
        discussion: """
            Finds the daemon through the pid file in its runtime folder (default $RUNTIME_DIRECTORY, else \
            /run/vaewatch). Scoring goes on during the retrain; the new model version shows in \
            `vaewatch status` and in vaewatch.scores. If no daemon is found, it prints the systemctl command \
            that reaches it anyway.
            """)

    @Option(
        name: .customLong("runtime-directory"),
        help: ArgumentHelp("The daemon's runtime folder.", valueName: "folder"))
    var runtimeDirectory: String = RuntimeFolder.default

    func run() throws {
        let path = runtimeDirectory + "/" + PidFile.name
        guard let pid = PidFile.read(path), RuntimeFolder.isVaewatch(pid) else {
            Terminal.printError(
                "vaewatch: no running daemon found through \(path).\n"
                    + "Under systemd, ask it with: systemctl kill -s USR1 vaewatch")
            throw ExitCode(ExitStatus.unavailable)
        }
        guard kill(pid, SIGUSR1) == 0 else {
            let reason = String(cString: strerror(errno))
            Terminal.printError(
                "vaewatch: cannot signal process \(pid): \(reason).\n"
                    + "Run as the daemon's user or root, or: systemctl kill -s USR1 vaewatch")
            throw ExitCode(ExitStatus.noPermission)
        }
        print("retrain requested from vaewatch (pid \(pid)); follow it with `vaewatch status`")
    }
}

/// Where `vaewatch retrain` and `vaewatch status` look for the daemon.
enum RuntimeFolder {
    /// `$RUNTIME_DIRECTORY`, else `/run/vaewatch`: the daemon's default.
    static var `default`: String {
        guard let value = getenv("RUNTIME_DIRECTORY") else { return "/run/vaewatch" }
        return String(String(cString: value).split(separator: ":").first ?? "/run/vaewatch")
    }

    /// Whether `pid` is a live process running the vaewatch binary (not a recycled pid).
    static func isVaewatch(_ pid: pid_t) -> Bool {
        guard let descriptor = try? SystemCalls.openForReading("/proc/\(pid)/comm") else { return false }
        defer { try? SystemCalls.close(descriptor) }
        guard let name = try? SystemCalls.readAll(descriptor, limit: 64), !name.isEmpty else { return false }
        return String(decoding: name, as: UTF8.self).hasPrefix("vaewatch")
    }
}
