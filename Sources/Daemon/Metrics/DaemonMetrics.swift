import CoreMetrics
import Detector
import Prometheus
import VAE

/// The daemon's metrics (``MetricCatalogue``), recorded through swift-metrics at the points that count the same
/// things for the status: ``DaemonContext/scored(_:rejected:inUse:took:)``, ``DaemonContext/handle(_:worker:)``, the
/// retrain callbacks. Each metric carries the source's label (`source.name`, else `source.table` as written, or
/// `stdin`). With `metrics.listen` empty every update goes to swift-metrics' no-op handler and ``registry`` is nil.
final class DaemonMetrics: Sendable {
    /// How a retrain ended, the `outcome` label.
    enum RetrainResult: String, CaseIterable, Sendable {
        /// The new model is in use.
        case ok
        /// Training failed; the model in use stays.
        case failed
        /// Trained, but the registry did not store it; the model in use stays.
        case notStored = "not_stored"
        /// Due with no normal records in the training window.
        case skipped
    }

    /// Where a dead letter was made, the `stage` label.
    enum DeadLetterStage: String, CaseIterable, Sendable {
        /// The row could not be scored.
        case input
        /// The verdict could not be written.
        case sink
    }

    /// The registry `/metrics` renders; nil when metrics are off.
    let registry: PrometheusCollectorRegistry?
    /// The `source` label.
    let source: String

    private let scored: CoreMetrics.Counter
    private let flagged: CoreMetrics.Counter
    private let rejected: CoreMetrics.Counter
    private let deadLetters: [DeadLetterStage: CoreMetrics.Counter]
    private let batchDuration: CoreMetrics.Timer
    private let verdictLag: CoreMetrics.Timer
    private let modelVersion: CoreMetrics.Gauge
    private let threshold: CoreMetrics.Gauge
    private let activeLatentUnits: CoreMetrics.Gauge
    private let retrains: [RetrainResult: CoreMetrics.Counter]
    private let retrainDurations: [RetrainResult: CoreMetrics.Timer]
    private let reconnects: CoreMetrics.Counter
    private let queueDepth: CoreMetrics.Gauge

    /// Metrics labelled with `source`, exported to a fresh registry when `exporting`, else recorded nowhere.
    init(source: String, exporting: Bool) {
        self.source = source
        let registry = exporting ? PrometheusCollectorRegistry() : nil
        self.registry = registry
        let factory: any MetricsFactory = registry.map { PrometheusExport(registry: $0) } ?? NOOPMetricsHandler.instance
        let labels = [("source", source)]
        func counter(_ entry: MetricCatalogue.Entry, _ extra: [(String, String)] = []) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: entry.name, dimensions: labels + extra, factory: factory)
        }
        func timer(_ entry: MetricCatalogue.Entry, _ extra: [(String, String)] = []) -> CoreMetrics.Timer {
            CoreMetrics.Timer(label: entry.name, dimensions: labels + extra, factory: factory)
        }
        func gauge(_ entry: MetricCatalogue.Entry) -> CoreMetrics.Gauge {
            CoreMetrics.Gauge(label: entry.name, dimensions: labels, factory: factory)
        }
        scored = counter(MetricCatalogue.recordsScored)
        flagged = counter(MetricCatalogue.recordsFlagged)
        rejected = counter(MetricCatalogue.recordsRejected)
        deadLetters = Dictionary(
            uniqueKeysWithValues: DeadLetterStage.allCases.map {
                ($0, counter(MetricCatalogue.deadLettered, [("stage", $0.rawValue)]))
            })
        batchDuration = timer(MetricCatalogue.batchDuration)
        verdictLag = timer(MetricCatalogue.verdictLag)
        modelVersion = gauge(MetricCatalogue.modelVersion)
        threshold = gauge(MetricCatalogue.threshold)
        activeLatentUnits = gauge(MetricCatalogue.activeLatentUnits)
        retrains = Dictionary(
            uniqueKeysWithValues: RetrainResult.allCases.map {
                ($0, counter(MetricCatalogue.retrains, [("outcome", $0.rawValue)]))
            })
        retrainDurations = Dictionary(
            uniqueKeysWithValues: RetrainResult.allCases.filter { $0 != .skipped }.map {
                ($0, timer(MetricCatalogue.retrainDuration, [("outcome", $0.rawValue)]))
            })
        reconnects = counter(MetricCatalogue.reconnects)
        queueDepth = gauge(MetricCatalogue.queueDepth)
        for gauge in [modelVersion, threshold, activeLatentUnits, queueDepth] { gauge.record(0) }
    }

    /// A batch of `records` was scored, `flagged` of them flagged, in `took`; its input also had `rejected` rows
    /// or lines that could not be scored.
    func scored(records: Int, flagged: Int, rejected: Int, took: Duration) {
        scored.increment(by: records)
        if flagged > 0 { self.flagged.increment(by: flagged) }
        if rejected > 0 { self.rejected.increment(by: rejected) }
        batchDuration.recordNanoseconds(Self.nanoseconds(took))
    }

    /// The verdicts of a committed batch: each record waited `queued[i]` seconds in the queue before the claim,
    /// and the batch took `took` from claim to commit.
    func verdictsCommitted(queued: [Double], took: Duration) {
        let tail = Self.nanoseconds(took)
        for seconds in queued { verdictLag.recordNanoseconds(Int64(max(0, seconds) * 1e9) + tail) }
    }

    /// `count` rows became dead letters at `stage`.
    func deadLettered(_ count: Int, stage: DeadLetterStage) {
        deadLetters[stage]?.increment(by: count)
    }

    /// `detector` is the model in use.
    func modelInUse(_ detector: Detector) {
        modelVersion.record(detector.version)
        threshold.record(Double(detector.threshold))
        activeLatentUnits.record(detector.header.training?.activeLatentUnits ?? 0)
    }

    /// A retrain ended with `result` after `took` (nil: skipped, it never ran).
    func retrained(_ result: RetrainResult, took: Duration?) {
        retrains[result]?.increment()
        if let took { retrainDurations[result]?.recordNanoseconds(Self.nanoseconds(took)) }
    }

    /// A pipeline opened its connection again after losing it.
    func reconnected() { reconnects.increment() }

    /// `rows` wait to be scored.
    func waiting(_ rows: Int) { queueDepth.record(rows) }

    /// `duration` in whole nanoseconds.
    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
