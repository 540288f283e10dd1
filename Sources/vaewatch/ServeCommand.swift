import ArgumentParser
import Daemon
import Dispatch
import Logging
import Synchronization

/// `vaewatch serve`: the daemon.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: score a PostgreSQL table (or stdin) continuously and retrain on a schedule.",
        discussion: """
            Reads its settings from a YAML file, then VAEWATCH_* environment variables, then --set flags \
            (later ones win); `vaewatch check-config --markdown` lists every setting. Under systemd \
            (Type=notify) it reports READY, STATUS and WATCHDOG; logs go to stderr with journald priorities. \
            Run by hand in a terminal, the status is the last line, rewritten every second, with the log above it.

            Signals: TERM/INT stop after the batch in hand; HUP reloads the configuration and the newest \
            checkpoint; USR1 retrains now (`vaewatch retrain`); USR2 writes a checkpoint and logs the status.

            Examples:
              vaewatch serve --config /etc/vaewatch/vaewatch.yaml
              vaewatch serve --config vaewatch.yaml --set source.batch=500 --set log.level=debug
              cat metrics.csv | vaewatch serve --set source.kind=stdin --set state.directory=./state \\
                --set state.runtime_directory=./run

            Exit status: 0 stopped; 65 bad input data (stdin); 70 a model could not be trained; 74 a state or \
            runtime folder cannot be written; 78 the configuration, the model file or the source table does \
            not fit (fix it: systemd does not restart on 78).
            """)

    @Option(name: .customLong("config"), help: ArgumentHelp("The YAML configuration file.", valueName: "file"))
    var configurationPath: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override one setting, e.g. --set source.batch=500 (repeatable).", valueName: "name=value"))
    var overrides: [String] = []

    /// Runs the daemon's services on the concurrency runtime while the main thread waits for its exit status.
    func run() throws {
        let logger = Logger(label: "vaewatch")
        let request = ServeRequest(
            configurationPath: configurationPath, overrides: overrides, environment: Settings.processEnvironment(),
            terminal: TerminalStatusLine.standardError)
        let status = Mutex<Int32>(0)
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            let code = await ServeRuntime.run(request, logger: logger)
            status.withLock { $0 = code }
            finished.signal()
        }
        finished.wait()
        let code = status.withLock { $0 }
        if code != 0 { throw ExitCode(code) }
    }
}
