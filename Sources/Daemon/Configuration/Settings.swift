import Compute
import Detector
import VAE

/// Every setting of `vaewatch serve` in one table, and how they are read: defaults, then the YAML file, then
/// `VAEWATCH_…` environment variables, then `--set name=value` (each overriding the one before).
///
/// `vaewatch check-config` validates and prints them; the README's settings table is
/// ``markdownTable()``.
package enum Settings {
    /// Every setting, in the order the example configuration and the settings table show them.
    package static let all: [Setting] = [
        .choice(
            "source.kind", \.sourceKind,
            "where records come from: a PostgreSQL table, or standard input (CSV or JSON lines)"),
        .text(
            "source.table", \.sourceTable,
            "the table to score, schema.table or table; needed with source.kind postgres",
            check: { $0.contains("\u{0}") ? "a table name cannot contain a NUL character" : nil }),
        .text(
            "source.key", \.sourceKey, "the table's unique, increasing key column",
            check: { $0.isEmpty ? "the key column cannot be empty; name the table's unique key, such as id" : nil }),
        .texts(
            "source.columns", \.sourceColumns,
            "feature columns; empty means the model's, or at warm-up every numeric column but the key",
            check: { columns in
                var seen: Set<String> = []
                for column in columns where !seen.insert(column).inserted {
                    return "column \(YAMLText.quoted(column)) is listed twice; list each feature once"
                }
                return nil
            }),
        .text(
            "source.time_column", \.sourceTimeColumn,
            "a column holding each record's time (a timestamptz, timestamp or date column, or seconds since 1970 in a "
                + "numeric one; on stdin ISO 8601 or seconds): its time of day and day of week become inputs of the "
                + "model, so it learns what is normal when; never a feature, never named as explaining a score; a "
                + "record without one is a dead letter (stdin: a rejected line). Empty: none. A model trained with a "
                + "time column needs it, and one trained without refuses it",
            check: { $0.contains("\u{0}") ? "a column name cannot contain a NUL character" : nil }),
        .text(
            "source.name", \.sourceName, defaultNote: "schema.table",
            "the name verdicts are filed under in vaewatch.scores.source; empty means schema.table"),
        .choice(
            "source.mode", \.sourceMode,
            "queue (a trigger queues new keys; daemons may share the table) or watermark (pages by key, one daemon)"),
        .integer("source.batch", \.batchSize, 1...100_000, "most records per transaction"),
        .number(
            "source.poll", \.pollSeconds, 0.01...3600, seconds: true, "seconds an idle pipeline waits between polls"),
        .integer(
            "source.workers", \.workers, 0...64,
            "pipelines on the table at once; 0 means 2 in queue mode, 1 in watermark mode. Each holds a connection "
                + "(and a LISTEN one in queue mode), plus one for the model registry and one for the trainer lock; a count the server can never "
                + "hold (\"Connections\" in the README) stops the start with exit 78"),
        .choice("source.format", \.inputFormat, "the format of standard input"),
        .text(
            "database.url", \.databaseURL,
            "libpq conninfo or URI without a password; empty uses the PG* environment",
            check: ConnectionText.passwordProblem),
        .number(
            "database.peer_timeout", \.peerTimeoutSeconds, 2...3600, seconds: true,
            "seconds a silent peer gets on a TCP connection before its session is dropped, at both ends (keepalives "
                + "and tcp_user_timeout for libpq and the server): a daemon cut off the network loses its session, and "
                + "the other daemons get its claimed rows, within about this long; the conninfo's keepalive keywords win"
        ),
        .choice(
            "sink.kind", \.sinkKind, defaultNote: "postgres (stdout with source.kind stdin)",
            "where verdicts go: vaewatch.scores (with the source position), or standard output"),
        .boolean(
            "sink.only_anomalies", \.onlyAnomalies, "on standard output, write only flagged records"
        ),
        .boolean(
            "sink.notify", \.notifiesAnomalies,
            "in vaewatch.scores, send NOTIFY vaewatch_anomalies in each transaction that writes flagged records "
                + "(a JSON payload: source, count, highest score, threshold, model version, the first keys)"),
        .boolean(
            "sink.latent", \.storesLatentMean,
            "in vaewatch.scores, store each record's latent mean μ in the column latent (float4[], added by "
                + "init-db's 005_latent.sql); JSON lines on standard output always carry it"),
        .text(
            "model.path", \.modelPath,
            "a model file to start from; empty means the newest checkpoint, then the registry, then warm-up"),
        .integers(
            "model.hidden", \.detector.hiddenWidths, 1...4096, maximumCount: 16,
            "widths of the encoder's hidden layers, outermost first; the decoder mirrors them"),
        .integer("model.latent", \.detector.latentWidth, 1...4096, "number of latent units"),
        .choice(
            "model.activation", \.detector.activation,
            "non-linearity of the hidden layers of a new model (a retrain keeps the network of the model in use)"),
        Setting(
            "model.loss", .choice(ReconstructionLoss.allCases.map(\.optionName)), reloadable: false,
            "how reconstruction error is measured: gaussian learns a variance per feature, so that a noisy feature "
                + "does not drown the others; squared-error is the plain ½·Σ(x − x̂)²",
            read: { .text($0.detector.reconstruction.optionName) },
            write: { configuration, value in
                if case .text(let name) = value, let loss = ReconstructionLoss(optionName: name) {
                    configuration.detector.reconstruction = loss
                }
            }),
        Setting(
            "model.beta", .number, bounds: .numbers(0...10), reloadable: false,
            "weight of the KL term in the loss and the score",
            read: { .number(Double(String($0.detector.beta)) ?? Double($0.detector.beta)) },
            write: { configuration, value in
                if case .number(let number) = value { configuration.detector.beta = Float(number) }
            }),
        .integer(
            "model.clean_rounds", \.detector.cleaningRounds, 0...10,
            "self-cleaning rounds of the first model: each sets aside the highest-scoring model.clean_fraction of the "
                + "warm-up records and trains on, so that anomalies among them stop shaping the model; 0: off"),
        .number(
            "model.clean_fraction", \.detector.cleaningFraction, 0.01...0.49,
            "fraction of the warm-up records each cleaning round sets aside"),
        .integer(
            "model.min_steps", \.detector.training.minimumSteps, 0...1_000_000,
            "fewest gradient steps of the first model: on a few warm-up records more than training.epochs passes run, "
                + "early stopping still ending them (retrains keep training.epochs); 0: exactly training.epochs"),
        Setting(
            "model.trim", .number, bounds: .numbers(0...100), reloadable: false,
            "each gradient step of the first model leaves out the warm-up records whose loss lies above the median "
                + "plus this many robust standard deviations (1.4826·MAD) of the step's losses, so that anomalies "
                + "among them stop shaping the model (retrains learn from records judged normal); 0: off",
            read: { .number(Double(String($0.detector.training.trimmingCut)) ?? 0) },
            write: { configuration, value in
                if case .number(let number) = value { configuration.detector.training.trimmingCut = Float(number) }
            }),
        Setting(
            "model.denoise", .number,
            bounds: .numbers(0...Double(TrainingConfiguration.denoisingNoiseRange.upperBound)), reloadable: false,
            "denoising: the standard deviation, in standardized units, of Gaussian noise added to the encoder's input "
                + "at every gradient step of every training (retrains too) while the clean record stays the target; "
                + "0: off",
            read: { .number(Double(String($0.detector.training.denoisingNoise)) ?? 0) },
            write: { configuration, value in
                if case .number(let number) = value { configuration.detector.training.denoisingNoise = Float(number) }
            }),
        .integer("model.top_features", \.detector.topFeatureCount, 1...100, "features named in each verdict"),
        .number(
            "threshold.quantile", \.detector.thresholdQuantile, 0.5...0.999999, reloadable: true,
            "fraction of the training records scored at or below the threshold (applied at the next retrain)"),
        Setting(
            "threshold.rate", .number, bounds: .numbers(0...0.49), reloadable: true,
            "target false-alarm rate; above 0 the threshold is fitted to the tail of the training scores (peaks over "
                + "threshold) instead of threshold.quantile, and moves with the scores of every batch; a clean stop "
                + "checkpoints the moved threshold for the next start (applied at the next retrain)",
            read: { .number($0.detector.thresholdRate ?? 0) },
            write: { configuration, value in
                if case .number(let rate) = value { configuration.detector.thresholdRate = rate > 0 ? rate : nil }
            }),
        .integer(
            "training.warmup", \.warmupRecords, 10...10_000_000,
            "records learned from before scoring starts when there is no model"),
        .integer(
            "training.window", \.windowCapacity, 100...10_000_000, "most recent normal records kept for retraining"),
        .integer(
            "training.every_records", \.retrainEveryRecords, 0...1_000_000_000, reloadable: true,
            "retrain after this many records scored; 0 turns this trigger off"),
        .number(
            "training.every_seconds", \.retrainEverySeconds, 0...2_592_000, seconds: true, reloadable: true,
            "retrain after this many seconds; 0 turns this trigger off"),
        .integer(
            "training.epochs", \.detector.training.epochs, 1...10_000, reloadable: true,
            "most passes over the records in one training (model.min_steps may raise it for the first model)"),
        .integer(
            "training.threads", \.trainingThreads, 1...256, reloadable: true,
            "threads of the training pool (scoring has its own)"),
        Setting(
            "training.seed", .integer, bounds: .integers(0...Int.max), reloadable: false,
            "seed for shuffling, the validation split and sampled noise",
            read: { .integer(Int(truncatingIfNeeded: $0.detector.training.seed)) },
            write: { configuration, value in
                if case .integer(let seed) = value { configuration.detector.training.seed = UInt64(seed) }
            }),
        .text(
            "state.directory", \.stateDirectory, defaultNote: "$STATE_DIRECTORY, else /var/lib/vaewatch",
            "checkpoints; an absolute path", check: { absolutePathProblem($0) }),
        .integer("state.keep", \.keepCheckpoints, 1...1000, reloadable: true, "checkpoints kept, newest first"),
        .text(
            "state.runtime_directory", \.runtimeDirectory, defaultNote: "$RUNTIME_DIRECTORY, else /run/vaewatch",
            "the pid file and the status file; an absolute path", check: { absolutePathProblem($0) }),
        .choice("log.level", \.logLevel, reloadable: true, "the least severe message logged"),
        .number(
            "systemd.start_timeout", \.startTimeoutSeconds, 1...3600, seconds: true,
            "seconds a start may take; a slower start asks systemd for more (EXTEND_TIMEOUT_USEC)"),
        .text(
            "metrics.listen", \.metricsListen,
            "serve Prometheus metrics at http://ADDRESS/metrics: an IP address and a port, such as 127.0.0.1:9751 "
                + "([::1]:9751 for IPv6; port 0 picks a free one, logged); empty: off. README \"Metrics\" lists them",
            check: { $0.isEmpty ? nil : ListenAddress.problem(with: $0) }),
    ]

    /// The settings by name.
    static let byName: [String: Setting] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The setting called `name`, such as `source.table`.
    package static func named(_ name: String) -> Setting? { byName[name] }

    /// What is wrong with `path` as a directory setting, or nil when it is absolute.
    static func absolutePathProblem(_ path: String) -> String? {
        path.hasPrefix("/") ? nil : "\(YAMLText.quoted(path)) is not an absolute path; give one that starts with /"
    }
}
