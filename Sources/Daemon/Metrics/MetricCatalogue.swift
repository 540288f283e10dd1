/// Every metric `/metrics` serves: its name, what it counts (the `# HELP` line) and, for a histogram, its buckets.
/// ``DaemonMetrics`` records them; ``PrometheusExport`` looks the help and buckets up here by name. The README's
/// "Metrics" section and docs/grafana/vaewatch.json use the same names.
enum MetricCatalogue {
    /// One metric.
    struct Entry: Sendable {
        /// The Prometheus name, such as `vaewatch_records_scored_total`.
        let name: String
        /// The `# HELP` text.
        let help: String
        /// A histogram's upper bucket bounds, in seconds; empty for counters and gauges.
        let buckets: [Double]

        init(_ name: String, _ help: String, buckets: [Double] = []) {
            self.name = name
            self.help = help
            self.buckets = buckets
        }
    }

    static let recordsScored = Entry(
        "vaewatch_records_scored_total", "Records scored (each has a verdict), by source.")
    static let recordsFlagged = Entry(
        "vaewatch_records_flagged_total", "Records flagged as anomalies (score above the threshold), by source.")
    static let recordsRejected = Entry(
        "vaewatch_records_rejected_total",
        "Input rows or lines that could not be scored (bad values, rows gone since they were queued), by source.")
    static let deadLettered = Entry(
        "vaewatch_records_dead_lettered_total",
        "Rows put in vaewatch.dead_letters, by source and stage (input: not scorable; sink: verdict refused).")
    static let batchDuration = Entry(
        "vaewatch_batch_duration_seconds",
        "Seconds per batch: on PostgreSQL the transaction that claims, scores, writes and commits it; on stdin, "
            + "scoring and writing it.",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    static let verdictLag = Entry(
        "vaewatch_insert_to_verdict_seconds",
        "Seconds from a row's insert (its queue entry) to the commit of its verdict, per record (queue mode).",
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900])
    static let modelVersion = Entry(
        "vaewatch_model_version", "Version of the model in use (0 before the first), by source.")
    static let threshold = Entry(
        "vaewatch_threshold", "Score threshold of the model in use: a record scoring above it is flagged.")
    static let activeLatentUnits = Entry(
        "vaewatch_active_latent_units",
        "Latent units of the model in use whose mean KL exceeded 0.01 nats at its training (0 when not recorded).")
    static let retrains = Entry(
        "vaewatch_retrains_total",
        "Retrains, by source and outcome (ok: in use; failed; not_stored: the registry refused it; skipped: no "
            + "normal records in the window).")
    static let retrainDuration = Entry(
        "vaewatch_retrain_duration_seconds", "Seconds a retrain took, by source and outcome.",
        buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600])
    static let reconnects = Entry(
        "vaewatch_database_reconnects_total",
        "Times a pipeline opened its database connection again after losing it, by source.")
    static let queueDepth = Entry(
        "vaewatch_queue_depth",
        "Rows waiting to be scored (queue mode: keys in vaewatch.queue; watermark mode: rows after the "
            + "watermark), read at most every 5 s while behind; 0 once a claim comes back short.")

    /// Every metric, by name.
    static let byName: [String: Entry] = Dictionary(
        uniqueKeysWithValues: [
            recordsScored, recordsFlagged, recordsRejected, deadLettered, batchDuration, verdictLag, modelVersion,
            threshold, activeLatentUnits, retrains, retrainDuration, reconnects, queueDepth,
        ].map { ($0.name, $0) })
}
