import Compute

/// A feature's part in a verdict: its name and its share of the record's reconstruction error.
public struct FeatureShare: Sendable, Equatable {
    /// Column index of the feature in the model's feature list.
    public var index: Int
    /// The feature's name.
    public var name: String
    /// Its share of the reconstruction error, in [0, 1].
    public var share: Float

    /// Creates a feature share.
    public init(index: Int, name: String, share: Float) {
        self.index = index
        self.name = name
        self.share = share
    }
}

/// What the detector says about one record.
public struct Verdict: Sendable, Equatable {
    /// `recon + β·kl`, the negative ELBO.
    public var score: Float
    /// Reconstruction term over the observed features.
    public var recon: Float
    /// KL(q(z|x) ‖ N(0, I)): how low the record's latent density is.
    public var kl: Float
    /// The threshold the score was compared with.
    public var threshold: Float
    /// `score > threshold`.
    public var isAnomaly: Bool
    /// The features that explain the reconstruction error best, largest share first; only features with a
    /// positive share appear.
    public var topFeatures: [FeatureShare]
    /// How many feature values were missing and imputed.
    public var missingCount: Int
    /// Version of the model that scored the record.
    public var modelVersion: Int
}

/// The verdicts of a batch, stored column by column so that scoring a large batch allocates a handful of
/// arrays rather than one per record. Row `i` belongs to row `i` of the scored ``RecordBatch``.
public struct Verdicts: Sendable, Equatable {
    /// Per record. `[n]`
    public var score: [Float]
    /// Per record. `[n]`
    public var recon: [Float]
    /// Per record. `[n]`
    public var kl: [Float]
    /// Per record. `[n]`
    public var isAnomaly: [Bool]
    /// Missing values per record. `[n]`
    public var missingCount: [Int]
    /// Feature index of each record's top features, largest share first; −1 pads a record with fewer than
    /// `topCount` features of positive share. `[n, topCount]`
    public var topFeatureIndex: [Int32]
    /// The shares matching `topFeatureIndex` (0 where the index is −1). `[n, topCount]`
    public var topFeatureShare: [Float]
    /// Top features kept per record.
    public var topCount: Int
    /// The threshold every score was compared with.
    public var threshold: Float
    /// Version of the model that scored the batch.
    public var modelVersion: Int
    /// Names of the model's features, indexed by `topFeatureIndex`.
    public var featureNames: [String]
    /// Each record's latent mean μ, the point that places it on the model's map of the data; nil unless scoring
    /// was asked for it (``Detector/score(_:pool:latentMean:)``). `[n, k]`
    public var latentMean: Matrix?

    /// Creates verdicts from their columns; every per-record array has `score.count` rows, and so has
    /// `latentMean` when given.
    public init(
        score: [Float], recon: [Float], kl: [Float], isAnomaly: [Bool], missingCount: [Int],
        topFeatureIndex: [Int32], topFeatureShare: [Float], topCount: Int, threshold: Float, modelVersion: Int,
        featureNames: [String], latentMean: Matrix? = nil
    ) {
        let n = score.count
        precondition(
            recon.count == n && kl.count == n && isAnomaly.count == n && missingCount.count == n,
            "Verdicts: per-record columns differ in length")
        precondition(
            topFeatureIndex.count == n * topCount && topFeatureShare.count == n * topCount,
            "Verdicts: top-feature columns are not [n, topCount]")
        precondition(latentMean.map { $0.rows == n } ?? true, "Verdicts: latent means are not [n, k]")
        self.score = score
        self.recon = recon
        self.kl = kl
        self.isAnomaly = isAnomaly
        self.missingCount = missingCount
        self.topFeatureIndex = topFeatureIndex
        self.topFeatureShare = topFeatureShare
        self.topCount = topCount
        self.threshold = threshold
        self.modelVersion = modelVersion
        self.featureNames = featureNames
        self.latentMean = latentMean
    }

    /// Number of records.
    public var count: Int { score.count }

    /// Record `i`'s verdict as one value (allocates its top-feature list).
    public subscript(i: Int) -> Verdict {
        var top: [FeatureShare] = []
        for slot in 0..<topCount {
            let index = Int(topFeatureIndex[i * topCount + slot])
            guard index >= 0 else { break }
            top.append(
                FeatureShare(index: index, name: featureNames[index], share: topFeatureShare[i * topCount + slot]))
        }
        return Verdict(
            score: score[i], recon: recon[i], kl: kl[i], threshold: threshold, isAnomaly: isAnomaly[i],
            topFeatures: top, missingCount: missingCount[i], modelVersion: modelVersion)
    }
}
