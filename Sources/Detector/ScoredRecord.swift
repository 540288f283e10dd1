/// A verdict read back from where vaewatch wrote it, for a report: a record of a scored file (``RecordIO``'s
/// `ScoredFileRecord`) or a row of `vaewatch.scores` (``PostgresStore``'s `ScoreHistoryRow`), each of which adds
/// where it was read.
public struct ScoredRecord: Sendable, Equatable {
    /// A feature and its share of the record's reconstruction error.
    public struct Share: Sendable, Equatable {
        /// The feature's name.
        public var feature: String
        /// Its share, 0…1.
        public var share: Double

        /// Creates a share.
        public init(feature: String, share: Double) {
            self.feature = feature
            self.share = share
        }
    }

    /// The score; +∞ when it was written as infinite.
    public var score: Double
    /// The reconstruction error, when it was written.
    public var recon: Double?
    /// The KL term, when it was written.
    public var kl: Double?
    /// The threshold the score was compared with.
    public var threshold: Double
    /// Whether the record was flagged.
    public var isAnomaly: Bool
    /// The version of the model that scored it, when it was written.
    public var modelVersion: Int?
    /// The features that explain a flagged record best, largest share first; empty when not written.
    public var top: [Share]

    /// Creates a verdict.
    public init(
        score: Double, recon: Double?, kl: Double?, threshold: Double, isAnomaly: Bool, modelVersion: Int? = nil,
        top: [Share] = []
    ) {
        self.score = score
        self.recon = recon
        self.kl = kl
        self.threshold = threshold
        self.isAnomaly = isAnomaly
        self.modelVersion = modelVersion
        self.top = top
    }
}
