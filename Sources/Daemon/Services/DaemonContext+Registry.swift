import Detector
import PostgresStore
import Synchronization

/// The model registry and the retrains table, with the PostgreSQL source and sink.
extension DaemonContext {
    /// Whether models go to `vaewatch.models` (PostgreSQL source and sink).
    var storesModels: Bool { settings.sinkKind == .postgres && settings.sourceKind == .postgres }

    /// `detector` stored in the registry under a version the database allocates
    /// (``ModelRegistry/store(source:wanted:metrics:active:on:file:)``: its own version when free, else the next),
    /// numbered so; `detector` itself when models are not stored. A model is put in use only through here, so that
    /// no row is scored under a version the registry gives to other bytes.
    ///
    /// - Throws: ``PostgresError`` when it cannot be stored; it must not be put in use then.
    func registered(_ detector: Detector) throws(PostgresError) -> Detector {
        guard storesModels else { return detector }
        guard let source = resolvedSourceName.withLock({ $0 }) else {
            throw PostgresError(
                .configuration, message: "cannot write the model registry yet: the source table was not resolved")
        }
        let connection = try connect(as: "vaewatch-trainer")
        defer { connection.close() }
        var numbered = detector
        _ = try ModelRegistry.store(
            source: source, wanted: detector.version, metrics: detector.trainingSummaryJSON, on: connection
        ) { (version) throws(PostgresError) in
            do {
                numbered = version == detector.version ? detector : try detector.renumbered(version)
                return try numbered.fileBytes()
            } catch {
                throw PostgresError(.statement, message: "cannot encode model version \(version): \(error)")
            }
        }
        // The daemons that follow this source's trainer take it from the registry (`Coordinator`).
        try ModelRegistry.announce(source: source, on: connection)
        return numbered
    }

    /// A new connection to `database.url`, named `application` in `pg_stat_activity`, with `database.peer_timeout`:
    /// the short-lived ones of the registry, the retrains table and the control service, and the coordinator's.
    func connect(as application: String) throws(PostgresError) -> Connection {
        try Connection(settings.connectionSettings(applicationName: application))
    }

    /// Records a retrain in `vaewatch.retrains` (PostgreSQL source and sink); a failure is logged and shown.
    func recordRetrain(_ retrain: RetrainRecord, toVersion: Int?, metrics: String?) {
        guard storesModels, let source = resolvedSourceName.withLock({ $0 }) else { return }
        do throws(PostgresError) {
            let connection = try connect(as: "vaewatch-trainer")
            defer { connection.close() }
            try RetrainLog.record(
                source: source, instance: instance, startedAt: retrain.startedAt, reason: retrain.reason,
                records: retrain.records,
                fromVersion: retrain.fromVersion, toVersion: toVersion, outcome: retrain.outcome, metrics: metrics,
                on: connection)
        } catch {
            problem("cannot write the retrains table (the model in use stays): \(error.description)")
        }
    }
}
