import Detector

/// One scored record as the report draws it: where it lies on the x axis, its score against the threshold in force
/// when it was scored, and, for flagged records, the features that explain the score.
package struct ScoredPoint: Sendable, Equatable {
    /// The position on the x axis: seconds since 1970 (UTC) for ``XAxisKind/time``, the 1-based record number for
    /// ``XAxisKind/recordNumber``.
    package var x: Double
    /// The anomaly score (`recon + beta * kl`); 0 and +∞ are drawn at the edges of the log axis.
    package var score: Double
    /// The threshold the score was compared with; it changes when the model is retrained.
    package var threshold: Double
    /// Whether the record was flagged as an anomaly.
    package var isAnomaly: Bool
    /// The version of the model that scored it, when the input says.
    package var modelVersion: Int?
    /// The features with the largest shares of the reconstruction error, largest first; empty when unknown.
    package var top: [ScoredRecord.Share]

    /// Creates a point.
    package init(
        x: Double, score: Double, threshold: Double, isAnomaly: Bool, modelVersion: Int? = nil,
        top: [ScoredRecord.Share] = []
    ) {
        self.x = x
        self.score = score
        self.threshold = threshold
        self.isAnomaly = isAnomaly
        self.modelVersion = modelVersion
        self.top = top
    }
}
