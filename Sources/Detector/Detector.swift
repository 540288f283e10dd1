import Compute
import VAE

/// A trained model ready to score records: the network, the scaler it was trained with, and the threshold
/// calibrated on its training scores. Immutable, so one detector can score on many threads while a retrain
/// builds its successor.
public final class Detector: Sendable {
    /// The network.
    public let model: VAEModel
    /// The model file's header; its `scaler` and `threshold` are always set.
    public let header: ModelHeader
    /// Features named in each verdict.
    public let topFeatureCount: Int
    /// The standardization the network was trained with.
    public let scaler: FeatureScaler
    /// Score above which a record is an anomaly.
    public let threshold: Float

    /// Names of the input features, in column order.
    public var featureNames: [String] { header.featureNames }
    /// Position of the model in its lineage (1 for a first training).
    public var version: Int { header.version }
    /// Number of input features.
    public var inputWidth: Int { model.architecture.inputWidth }
    /// The column whose time of day and day of week the network takes as inputs (``TimeContext``); nil for a model
    /// without time context. Every record it scores or learns from then needs its time (``RecordBatch/times``).
    public var timeColumn: String? { header.timeColumn }

    /// A detector over a model and its header (for instance both read from a model file).
    ///
    /// - Throws: ``DetectorError/Code/incompatibleModel`` when the header has no scaler or threshold, or does not
    ///   describe the model's network and features; ``DetectorError/Code/invalidOptions`` when
    ///   `topFeatureCount` is below 1.
    public init(model: VAEModel, header: ModelHeader, topFeatureCount: Int = 3) throws(DetectorError) {
        func refuse(_ reason: String) -> DetectorError {
            DetectorError(.incompatibleModel, "\(reason); retrain it with `vaewatch train`")
        }
        let width = model.architecture.inputWidth
        guard header.architecture == model.architecture else {
            throw refuse("the model file's header describes a different network than its weights")
        }
        guard header.featureNames.count == width else {
            throw refuse("the model file names \(header.featureNames.count) features for a network of \(width)")
        }
        let conditions = model.architecture.conditionWidth
        guard conditions == (header.timeColumn == nil ? 0 : TimeContext.inputWidth) else {
            throw refuse(
                header.timeColumn == nil
                    ? "the model's network takes \(conditions) conditioning inputs but the file names no time column"
                    : "the model's network takes \(conditions) conditioning inputs, not the \(TimeContext.inputWidth) "
                        + "of a time column")
        }
        guard let statistics = header.scaler else { throw refuse("the model file has no feature scaler") }
        guard statistics.mean.count == width, statistics.scale.count == width,
            statistics.mean.allSatisfy({ $0.isFinite }),
            statistics.scale.allSatisfy({ $0.isFinite && $0 > 0 })
        else {
            throw refuse("the model file's feature scaler is not \(width) finite means and positive scales")
        }
        guard let threshold = header.threshold else { throw refuse("the model file has no threshold") }
        guard threshold.isFinite else { throw refuse("the model file's threshold is \(threshold)") }
        guard header.version >= 1 else { throw refuse("the model file's version is \(header.version)") }
        guard topFeatureCount >= 1 else {
            throw DetectorError(
                .invalidOptions, "the top feature count is \(topFeatureCount); it must be at least 1")
        }
        self.model = model
        self.header = header
        self.topFeatureCount = topFeatureCount
        self.scaler = FeatureScaler(statistics: statistics)
        self.threshold = threshold
    }

    /// This detector as `version` of its lineage (a model pushed into a registry that already holds its own
    /// version); nothing else changes.
    public func renumbered(_ version: Int) throws(DetectorError) -> Detector {
        var header = self.header
        header.version = version
        return try Detector(model: model, header: header, topFeatureCount: topFeatureCount)
    }

    /// Checks that `column`, the time column of the input (nil: it has none), is the one the model was trained
    /// with: a model without time context cannot use one, and one with it needs it.
    ///
    /// - Throws: ``DetectorError/Code/incompatibleModel`` saying which and what to do.
    public func checkTimeColumn(_ column: String?) throws(DetectorError) {
        switch (timeColumn, column) {
        case (nil, nil): return
        case (let trained?, let given?) where trained == given: return
        case (nil, let given?):
            throw DetectorError(
                .incompatibleModel,
                "the model was trained without a time column, so it cannot take \(given.debugDescription)'s time of "
                    + "day and day of week as inputs; train a model with this time column (--time-column "
                    + "\(given), source.time_column), or leave the time column out")
        case (let trained?, nil):
            throw DetectorError(
                .incompatibleModel,
                "the model was trained with time column \(trained.debugDescription) (its time of day and day of week "
                    + "are inputs of the network), and the input names none; name it (--time-column \(trained), "
                    + "source.time_column: \(trained)), or use a model trained without one")
        case (let trained?, let given?):
            throw DetectorError(
                .incompatibleModel,
                "the model was trained with time column \(trained.debugDescription), not \(given.debugDescription); "
                    + "name the model's (--time-column \(trained), source.time_column: \(trained)), or train a model "
                    + "with this one")
        }
    }

    /// Checks that `names`, the input's columns in order, are the model's features.
    ///
    /// - Throws: ``DetectorError/Code/incompatibleModel`` naming the first difference.
    public func checkFeatures(_ names: [String]) throws(DetectorError) {
        let expected = featureNames
        guard names != expected else { return }
        let remedy = "choose the model's columns with --columns, or retrain the model on these columns"
        if let index = (0..<min(names.count, expected.count)).first(where: { names[$0] != expected[$0] }) {
            throw DetectorError(
                .incompatibleModel,
                "input column \(index + 1) is \"\(names[index])\" but the model expects \"\(expected[index])\"; "
                    + remedy)
        }
        let detail =
            names.count > expected.count
            ? "extra column \"\(names[expected.count])\"" : "missing column \"\(expected[names.count])\""
        throw DetectorError(
            .incompatibleModel,
            "the input has \(names.count) columns but the model has \(expected.count) (\(detail)); " + remedy)
    }
}
