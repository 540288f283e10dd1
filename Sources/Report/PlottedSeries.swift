/// The records in x order with their pixel positions, computed once for every part of the chart that draws them.
struct PlottedSeries {
    /// Indices into the report's points, in x order (stable for equal x).
    let order: [Int]
    /// The pixel column of each record, in that order.
    let xs: [Double]
    /// The pixel row of each record's score, in that order (clamped to the chart).
    let scoreYs: [Double]
    /// The pixel row of each record's threshold, in that order (clamped to the chart).
    let thresholdYs: [Double]

    /// Places `points` with the scales.
    init(_ points: [ScoredPoint], order: [Int], x: XScale, y: LogScale) {
        self.order = order
        var xs: [Double] = []
        var scoreYs: [Double] = []
        var thresholdYs: [Double] = []
        xs.reserveCapacity(order.count)
        scoreYs.reserveCapacity(order.count)
        thresholdYs.reserveCapacity(order.count)
        for (position, index) in order.enumerated() {
            let point = points[index]
            xs.append(x.x(index: position, value: point.x))
            scoreYs.append(y.y(point.score))
            thresholdYs.append(y.y(point.threshold))
        }
        self.xs = xs
        self.scoreYs = scoreYs
        self.thresholdYs = thresholdYs
    }

    /// The indices of `points` in x order: `0..<count` when they are sorted already, else a stable sort.
    static func order(of points: [ScoredPoint]) -> [Int] {
        let sorted = points.indices.dropFirst().allSatisfy { !(points[$0].x < points[$0 - 1].x) }
        if sorted { return Array(points.indices) }
        return points.indices.sorted { points[$0].x != points[$1].x ? points[$0].x < points[$1].x : $0 < $1 }
    }
}
