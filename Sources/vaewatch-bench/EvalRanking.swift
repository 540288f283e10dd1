/// The ranking figures of the evaluation: how well scores put anomalies (label true) above normal records. Both are
/// NaN when the labels hold only one class. +∞ scores rank highest, equal scores form one tie.
enum EvalRanking {
    /// The area under the ROC curve by the rank-sum (Mann–Whitney) formula, ties counted half: the chance that a
    /// random anomaly scores above a random normal record.
    static func auroc(scores: [Double], labels: [Bool]) -> Double {
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return .nan }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            // Ranks start + 1 … end + 1 (1-based) share their mean.
            let rank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] { rankSum += rank }
            start = end + 1
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// The area under the precision–recall curve as average precision (scikit-learn's `average_precision_score`):
    /// Σ (Rₙ − Rₙ₋₁) Pₙ over the distinct scores from the highest down, where Pₙ and Rₙ are the precision and
    /// recall of flagging every record scoring at least the n-th score.
    static func averagePrecision(scores: [Double], labels: [Bool]) -> Double {
        let positives = labels.filter { $0 }.count
        guard positives > 0, positives < labels.count else { return .nan }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0
        var flagged = 0
        var previousRecall = 0.0
        var sum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            for position in start...end where labels[order[position]] { truePositives += 1 }
            flagged += end - start + 1
            let recall = Double(truePositives) / Double(positives)
            sum += (recall - previousRecall) * Double(truePositives) / Double(flagged)
            previousRecall = recall
            start = end + 1
        }
        return sum
    }
}
