import Detector

/// The panel under the chart: horizontal bars of the features that explain the flags, or a sentence saying why there
/// are none and how to get them.
enum FeaturePanel {
    /// The colour of the bars: the flags' red, muted.
    static let barColour = "#e15759"

    /// Draws the panel from `layout.panelTop` down and returns the row just below it.
    static func draw(
        into writer: inout SVGWriter, summary: FeatureSummary, flagged: Int, hasFeatureShares: Bool,
        layout: ChartLayout
    ) -> Double {
        let left = layout.plotLeft
        writer.label(
            "What explains the flags",
            ["x": .number(left), "y": .number(layout.panelTop), "font-size": "15", "font-weight": "600"])
        var y = layout.panelTop + 20
        let message: [String]
        if flagged == 0 {
            message = ["No record was flagged, so no feature explains a flag."]
        } else if !hasFeatureShares {
            message = [
                "This input has no feature shares: the CSV output of vaewatch score carries none.",
                "Score with `vaewatch score --output jsonl` (or report from the database) to see which features "
                    + "explain the flags.",
            ]
        } else if summary.flaggedWithShares == 0 {
            message = ["The flagged records carry no feature shares (their lists of top features are empty)."]
        } else {
            message = []
        }
        if !message.isEmpty {
            for line in message {
                writer.label(line, ["x": .number(left), "y": .number(y), "fill": "#555"])
                y += 16
            }
            return y - 4
        }
        let basis = NumberText.count(summary.flaggedWithShares)
        writer.label(
            "Each feature's mean share of the reconstruction error over the \(basis) flagged "
                + "record\(summary.flaggedWithShares == 1 ? "" : "s") (from their lists of top features).",
            ["x": .number(left), "y": .number(y), "fill": "#555"])
        y += 14
        let labelRight = left + 190
        let barLeft = labelRight + 10
        let barWidth = max(40, layout.plotRight - barLeft - 70)
        // The largest share spans the width; every bar stays proportional to its share (zero-based).
        let largest = summary.features.map { min(max($0.share.isFinite ? $0.share : 0, 0), 1) }.max() ?? 0
        let unit = largest > 0 ? barWidth / largest : 0
        writer.open("g", ["id": "features"])
        writer.raw("\n")
        for feature in summary.features {
            let share = min(max(feature.share.isFinite ? feature.share : 0, 0), 1)
            let middle = y + layout.barPitch / 2
            writer.label(
                XMLText.truncated(feature.feature, to: 30),
                ["x": .number(labelRight), "y": .number(middle + 4), "text-anchor": "end", "fill": "#222"])
            writer.element(
                "rect",
                [
                    "x": .number(barLeft), "y": .number(middle - 8), "width": .number(max(1, share * unit)),
                    "height": "16", "fill": .text(barColour),
                ])
            writer.label(
                NumberText.percent(share),
                ["x": .number(barLeft + max(1, share * unit) + 6), "y": .number(middle + 4), "fill": "#222"])
            y += layout.barPitch
        }
        writer.close("g")
        return y
    }
}
