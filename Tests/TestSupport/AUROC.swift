/// Area under the ROC curve of `scores` for `labels` (true = positive), ties counted half: the chance that a
/// random positive scores above a random negative.
public func auroc(_ scores: [Float], _ labels: [Bool]) -> Double {
    precondition(scores.count == labels.count, "auroc: \(scores.count) scores for \(labels.count) labels")
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var rankSum = 0.0
    var i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
        let averageRank = Double(i + j) / 2 + 1
        for k in i...j where labels[order[k]] { rankSum += averageRank }
        i = j + 1
    }
    let positives = Double(labels.filter { $0 }.count)
    let negatives = Double(labels.count) - positives
    return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
}
