import VAE

extension Detector {
    /// The extreme-value threshold this detector's threshold comes from; nil for a quantile of the training scores.
    public var extremeValueThreshold: ExtremeValueThreshold? {
        guard let tail = header.thresholdTail else { return nil }
        return try? ExtremeValueThreshold(tail: tail)
    }

    /// How the threshold was set, for people: `quantile of the training scores`, or `extreme value (peaks over
    /// threshold), target rate 0.001`.
    public var thresholdMethodDescription: String {
        guard let tail = header.thresholdTail else { return "quantile of the training scores" }
        return "extreme value (peaks over threshold), target rate \(tail.rate)"
    }

    /// This detector with its extreme-value threshold moved by `scores`, the scores of a batch just compared with
    /// ``threshold`` (see ``ExtremeValueThreshold/update(with:)``); the network, scaler and version stay. The
    /// detector itself when its threshold is a quantile, which never moves.
    ///
    /// Costs a copy of the tail state (at most ``ExtremeValueThreshold/defaultCapacity`` peaks) and, now and then,
    /// a fit: call it once per batch, not per record.
    public func updatingThreshold(with scores: [Float]) -> Detector {
        guard var moving = extremeValueThreshold else { return self }
        moving.update(with: scores)
        var header = self.header
        header.threshold = moving.threshold
        header.thresholdTail = moving.tail
        return (try? Detector(model: model, header: header, topFeatureCount: topFeatureCount)) ?? self
    }
}
