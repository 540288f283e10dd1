/// A feature and its share of a record's reconstruction error (0…1), or its mean share over the flagged records.
package struct FeatureShare: Sendable, Equatable {
    /// The feature's name, as in the input.
    package var feature: String
    /// The share, between 0 and 1.
    package var share: Double

    /// Creates a share.
    package init(feature: String, share: Double) {
        self.feature = feature
        self.share = share
    }
}
