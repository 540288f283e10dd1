/// A feature and its share of a record's reconstruction error (0…1), or its mean share over the flagged records.
public struct FeatureShare: Sendable, Equatable {
    /// The feature's name, as in the input.
    public var feature: String
    /// The share, between 0 and 1.
    public var share: Double

    /// Creates a share.
    public init(feature: String, share: Double) {
        self.feature = feature
        self.share = share
    }
}
