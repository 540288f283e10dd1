import ArgumentParser
import Daemon
import Logging

/// The process entry: `vaewatch serve` takes over its signals before anything else runs, on the main thread before
/// any thread of ours exists (threads inherit the blocked mask); logging goes to stderr with journald priorities.
/// The entry is synchronous on purpose: an `async` main starts the concurrency runtime first, and a thread that
/// started before the signals were blocked would run their default action (measured: SIGUSR1 killed the daemon).
@main
enum Entry {
    static func main() {
        let serving = CommandLine.arguments.dropFirst().first == "serve"
        if serving { ControlSignals.takeOver() }
        let terminal = serving ? TerminalStatusLine.standardError : nil
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, terminal: terminal) }
        VAEWatch.main()
    }
}

/// The `vaewatch` command: a streaming anomaly detector built on a variational autoencoder.
struct VAEWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vaewatch",
        abstract: "Score numeric records for anomalies with a variational autoencoder.",
        discussion: """
            Each record gets a score: its reconstruction error (recon) plus how unlikely its latent code is \
            under the model (kl). Records scoring above a threshold calibrated on the training data are \
            anomalies.

            Score a CSV file, learning from its first 2,000 records:
              vaewatch score --input metrics.csv > scored.csv
            Train a model once, then score with it:
              vaewatch train --input history.csv --out model.vaew
              cat today.csv | vaewatch score --model model.vaew --only-anomalies

            See the scores, the threshold and what explains the flags, as an SVG:
              vaewatch score --input metrics.csv --output jsonl > scored.jsonl
              vaewatch report --input scored.jsonl --out report.svg

            Keep verdicts in PostgreSQL: create the schema and the trigger, then queue the existing rows:
              vaewatch init-db --database 'dbname=metrics' --source public.metrics --key id
              vaewatch backfill --database 'dbname=metrics' --source public.metrics --key id

            Run as a service (see `vaewatch serve --help`), then watch and steer it:
              vaewatch serve --config /etc/vaewatch/vaewatch.yaml
              vaewatch status
              vaewatch retrain

            Exit status: 0 done; 64 bad options; 65 bad input data (--strict, too many bad lines, a header \
            that does not fit); 66 an input or model that cannot be opened; 69 the database cannot be reached; \
            70 training failed; 74 an output that cannot be written; 77 the database refused for lack of \
            privilege; 78 a source table, key or column that does not fit.
            """,
        subcommands: [
            ScoreCommand.self, TrainCommand.self, InspectCommand.self, SampleCommand.self, InitDBCommand.self,
            BackfillCommand.self, ModelsCommand.self, ServeCommand.self, CheckConfigCommand.self,
            StatusCommand.self, RetrainCommand.self, ReportCommand.self,
        ]
    )
}
