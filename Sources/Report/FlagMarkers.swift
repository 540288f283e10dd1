/// The markers of the flagged records: one per record up to a cap; beyond it, one per pixel column that holds
/// flagged records, placed at the highest of their scores. Scores of +∞ get a triangle in the band above the chart.
struct FlagMarkers {
    /// The markers' SVG elements, one per line.
    let elements: String
    /// How many markers were drawn.
    let drawn: Int
    /// The flagged records.
    let flagged: Int
    /// Flagged records whose score is +∞.
    let offScale: Int
    /// Whether there were more flagged records than the cap, so that a marker stands for a pixel column.
    var capped: Bool { flagged > drawn }

    /// The markers of the flagged records among `points`, placed as in `series`.
    init(_ points: [ScoredPoint], _ series: PlottedSeries, layout: ChartLayout, cap: Int) {
        var flaggedPositions: [Int] = []
        var offScale = 0
        for (position, index) in series.order.enumerated() where points[index].isAnomaly {
            flaggedPositions.append(position)
            if points[index].score == .infinity { offScale += 1 }
        }
        var chosen: [Int] = []
        if flaggedPositions.count <= cap {
            chosen = flaggedPositions
        } else {
            // One per column: the highest score (the smallest row; +∞ wins).
            var column = -1
            for position in flaggedPositions {
                let pixel = min(max(Int(series.xs[position] - layout.plotLeft), 0), layout.columns - 1)
                let score = points[series.order[position]].score
                if pixel != column {
                    chosen.append(position)
                    column = pixel
                } else if score > points[series.order[chosen[chosen.count - 1]]].score {
                    chosen[chosen.count - 1] = position
                }
            }
        }
        var writer = SVGWriter()
        for position in chosen {
            let x = series.xs[position]
            if points[series.order[position]].score == .infinity {
                let y = layout.offScaleY - 4
                writer.element(
                    "path",
                    ["d": .text("M\(NumberText.coordinate(x)),\(NumberText.coordinate(y))l-4.5,8h9z")])
            } else {
                writer.element("circle", ["cx": .number(x), "cy": .number(series.scoreYs[position]), "r": "3.2"])
            }
        }
        elements = writer.text
        drawn = chosen.count
        flagged = flaggedPositions.count
        self.offScale = offScale
    }
}
