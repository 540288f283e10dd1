import Detector
import PostgresStore
import RecordIO

/// Everything `vaewatch serve` runs with, after the file, the environment and the command line were merged and
/// checked (see ``Settings``). Every field holds a valid value: ``Settings/load(file:environment:overrides:)``
/// refuses anything else, naming the setting, where it came from and what would be accepted.
package struct ServeConfiguration: Sendable, Equatable {
    /// Where records come from.
    package enum SourceKind: String, Sendable, Equatable, CaseIterable {
        /// A PostgreSQL table (`source.table`), in queue or watermark mode.
        case postgres
        /// Standard input, CSV or JSON lines.
        case stdin
    }

    /// Where verdicts go.
    package enum SinkKind: String, Sendable, Equatable, CaseIterable {
        /// `vaewatch.scores`, in the transaction that advances the source.
        case postgres
        /// Standard output, in the input's format.
        case stdout
    }

    /// How detailed the log is.
    package enum LogLevel: String, Sendable, Equatable, CaseIterable, Comparable {
        case trace, debug, info, notice, warning, error, critical

        /// Order from the most to the least detailed.
        package static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    // MARK: source
    /// `source.kind`.
    package var sourceKind: SourceKind = .postgres
    /// `source.table`: the table to score, `schema.table` or `table`; required with a PostgreSQL source.
    package var sourceTable: String = ""
    /// `source.key`: the table's unique, increasing key column.
    package var sourceKey: String = "id"
    /// `source.columns`: feature columns; empty means the model's features (or every numeric column at warm-up).
    package var sourceColumns: [String] = []
    /// `source.time_column`: the column whose time of day and day of week are inputs of the model; empty means none.
    package var sourceTimeColumn: String = ""
    /// `source.time_column` as an optional: nil when it is empty.
    package var timeColumn: String? { sourceTimeColumn.isEmpty ? nil : sourceTimeColumn }
    /// `source.name`: the name verdicts are filed under in `vaewatch.scores.source`; empty means the table's name.
    package var sourceName: String = ""
    /// `source.mode`.
    package var sourceMode: SourceMode = .queue
    /// `source.batch`: most records per transaction (or per stdin batch).
    package var batchSize: Int = 5000
    /// `source.poll`: seconds an idle pipeline waits before it polls the table again.
    package var pollSeconds: Double = 1
    /// `source.workers`: pipelines on the table at once; 0 means 2 in queue mode, 1 in watermark mode.
    package var workers: Int = 0
    /// `source.format`: the stdin format.
    package var inputFormat: RecordFormat = .csv

    // MARK: database and sink
    /// `database.url`: a libpq conninfo string or URI without a password; empty means libpq's `PG*` environment.
    package var databaseURL: String = ""
    /// `database.peer_timeout`: seconds a silent peer is given on a TCP connection before its session is dropped, on
    /// both ends (``PeerTimeout``).
    package var peerTimeoutSeconds: Double = 30
    /// `sink.kind`: defaults to the source's kind.
    package var sinkKind: SinkKind = .postgres
    /// `sink.only_anomalies`: on stdout, write only flagged records.
    package var onlyAnomalies: Bool = false
    /// `sink.notify`: a transaction that writes flagged records sends `NOTIFY vaewatch_anomalies`.
    package var notifiesAnomalies: Bool = true
    /// `sink.latent`: store each record's latent mean μ in `vaewatch.scores.latent`.
    package var storesLatentMean: Bool = false

    // MARK: model and training
    /// `model.path`: a model file to start from; empty means the newest checkpoint in the state folder, then the
    /// newest active model in the registry, then warm-up training.
    package var modelPath: String = ""
    /// `model.hidden`, `model.latent`, `model.activation`, `model.loss`, `model.beta`, `model.top_features`,
    /// `threshold.quantile`, `threshold.rate` (0 is `thresholdRate` nil), `training.epochs`, `model.min_steps`,
    /// `model.trim`, `model.denoise`, `training.seed`: the network, its training, and the threshold.
    package var detector = DetectorOptions()
    /// `training.warmup`: records learned from before scoring starts when there is no model.
    package var warmupRecords: Int = 2000
    /// `training.window`: most recent normal records kept for retraining.
    package var windowCapacity: Int = 100_000
    /// `training.every_records`: retrain after this many records scored; 0 turns the trigger off.
    package var retrainEveryRecords: Int = 0
    /// `training.every_seconds`: retrain after this many seconds; 0 turns the trigger off.
    package var retrainEverySeconds: Double = 3600
    /// `training.threads`: threads of the training pool (scoring has its own).
    package var trainingThreads: Int = 1

    // MARK: state and logging
    /// `state.directory`: checkpoints; defaults to `$STATE_DIRECTORY`, else `/var/lib/vaewatch`.
    package var stateDirectory: String = "/var/lib/vaewatch"
    /// `state.keep`: checkpoints kept in the state folder, newest first.
    package var keepCheckpoints: Int = 5
    /// `state.runtime_directory`: the pid file and the status file; defaults to `$RUNTIME_DIRECTORY`, else
    /// `/run/vaewatch`.
    package var runtimeDirectory: String = "/run/vaewatch"
    /// `log.level`.
    package var logLevel: LogLevel = .info

    // MARK: systemd
    /// `systemd.start_timeout`: seconds a start may take before systemd gives up; a slow start (a large model,
    /// warm-up) sends `EXTEND_TIMEOUT_USEC` based on it.
    package var startTimeoutSeconds: Double = 90

    // MARK: metrics
    /// `metrics.listen`: where `/metrics` is served (``ListenAddress``); empty: not served.
    package var metricsListen: String = ""

    /// The defaults above.
    package init() {}

    /// How every connection of the daemon reaches `database.url`, named `applicationName` in `pg_stat_activity`,
    /// with `database.peer_timeout` on both ends.
    package func connectionSettings(applicationName: String = "vaewatch") -> ConnectionSettings {
        ConnectionSettings(
            conninfo: databaseURL, applicationName: applicationName,
            peerTimeout: .milliseconds(Int64((peerTimeoutSeconds * 1000).rounded())))
    }
}
