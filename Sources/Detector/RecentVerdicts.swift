import Compute

/// What a ``TrainingWindow`` remembers of the last `span` records offered: whether each was flagged, and the
/// scores that the model in use gave them.
///
/// Flags are kept across models (a regime change is about the stream, whichever model judged it); scores start
/// over when the model changes, because two models' scores are not on one scale.
struct RecentVerdicts: Sendable {
    /// Records remembered.
    let span: Int
    /// Ring of the last `span` flags; slots not yet written count as not flagged. `[span]`
    private var flags: [Bool]
    /// Slot of `flags` written next.
    private var nextFlag = 0
    /// Flags set in `flags`.
    private(set) var flaggedCount = 0
    /// Ring of the finite scores of the model in use, at most `span`. `[≤ span]`
    private var scores: [Float] = []
    /// Slot of `scores` written next once it is full.
    private var nextScore = 0
    /// Version and threshold of the model whose scores `scores` holds.
    private var modelVersion: Int?
    private var modelThreshold: Float?
    /// Median and median absolute deviation of `scores`, computed when first asked for after a change.
    private var cached: (median: Float, deviation: Float)?

    /// Remembers nothing yet.
    init(span: Int) {
        precondition(span >= 1, "RecentVerdicts: span is \(span); it must be at least 1")
        self.span = span
        flags = [Bool](repeating: false, count: span)
    }

    /// Fewest scores of the model in use that ``statistics()`` describes: fewer say too little about the stream.
    var minimumScores: Int { min(span, 100) }

    /// Flagged records among the last `span` offered, over `span`.
    var flaggedFraction: Double { Double(flaggedCount) / Double(span) }

    /// Remembers a batch's verdicts; the scores start over when they come from another model than the last.
    mutating func record(_ verdicts: Verdicts) {
        if verdicts.modelVersion != modelVersion || verdicts.threshold != modelThreshold {
            modelVersion = verdicts.modelVersion
            modelThreshold = verdicts.threshold
            scores.removeAll(keepingCapacity: true)
            nextScore = 0
        }
        for (score, flagged) in zip(verdicts.score, verdicts.isAnomaly) {
            if flags[nextFlag] { flaggedCount -= 1 }
            flags[nextFlag] = flagged
            if flagged { flaggedCount += 1 }
            nextFlag = (nextFlag + 1) % span
            guard score.isFinite else { continue }
            if scores.count < span {
                scores.append(score)
            } else {
                scores[nextScore] = score
                nextScore = (nextScore + 1) % span
            }
        }
        cached = nil
    }

    /// The median of the recent scores of the model in use and their median absolute deviation, or nil while
    /// there are fewer than ``minimumScores``. Sorts a copy: O(span log span), at most once per batch.
    mutating func statistics() -> (median: Float, deviation: Float)? {
        guard scores.count >= minimumScores else { return nil }
        if let cached { return cached }
        let result = RobustStatistics.medianAndDeviation(scores)
        cached = result
        return result
    }
}
