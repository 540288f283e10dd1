import RecordParsing

/// One record's verdict, as `vaewatch score` wrote it.
package struct ScoredFileRecord: Sendable, Equatable {
    /// A feature and its share of the record's reconstruction error.
    package struct Share: Sendable, Equatable {
        /// The feature's name.
        package var feature: String
        /// Its share, 0…1.
        package var share: Double

        /// Creates a share.
        package init(feature: String, share: Double) {
            self.feature = feature
            self.share = share
        }
    }

    /// The 1-based record number: the n-th record of the file (the header and blank lines do not count).
    package var number: Int
    /// The line it starts on, for messages.
    package var line: Int
    /// The score; +∞ when the file says `inf` (CSV) or `1e999` (JSON).
    package var score: Double
    /// The reconstruction error, when the file has it.
    package var recon: Double?
    /// The KL term, when the file has it.
    package var kl: Double?
    /// The threshold the score was compared with.
    package var threshold: Double
    /// Whether the record was flagged.
    package var isAnomaly: Bool
    /// The features that explain the score best, largest share first (JSON lines only).
    package var top: [Share]
    /// The version of the model that scored it (JSON lines only).
    package var modelVersion: Int?

    /// Creates a record.
    package init(
        number: Int, line: Int, score: Double, recon: Double?, kl: Double?, threshold: Double, isAnomaly: Bool,
        top: [Share] = [], modelVersion: Int? = nil
    ) {
        self.number = number
        self.line = line
        self.score = score
        self.recon = recon
        self.kl = kl
        self.threshold = threshold
        self.isAnomaly = isAnomaly
        self.top = top
        self.modelVersion = modelVersion
    }
}
