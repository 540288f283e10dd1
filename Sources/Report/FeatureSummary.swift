import Detector

/// Which features explain the flags: each feature's mean share of the reconstruction error over the flagged
/// records that carry a top list, a feature missing from a record's list counting as 0 for that record.
package struct FeatureSummary: Sendable, Equatable {
    /// Flagged records with a non-empty top list: the denominator of every mean.
    package let flaggedWithShares: Int
    /// The features with the largest mean shares, largest first (ties by name), at most the limit given.
    package let features: [ScoredRecord.Share]

    /// The features shown by default.
    package static let defaultLimit = 8

    /// Summarizes the flagged records among `points`.
    package init(_ points: [ScoredPoint], limit: Int = FeatureSummary.defaultLimit) {
        var sums: [String: Double] = [:]
        var counted = 0
        for point in points where point.isAnomaly && !point.top.isEmpty {
            counted += 1
            for share in point.top where share.share.isFinite {
                sums[share.feature, default: 0] += share.share
            }
        }
        flaggedWithShares = counted
        let means = sums.map { ScoredRecord.Share(feature: $0.key, share: $0.value / Double(max(counted, 1))) }
        features = Array(
            means.sorted { $0.share != $1.share ? $0.share > $1.share : $0.feature < $1.feature }.prefix(max(0, limit)))
    }
}
