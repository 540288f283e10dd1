/// The row above the chart that names what is drawn: the score line, the threshold (with its steps when the model
/// was retrained), the flagged markers and, when there are any, the off-scale markers.
enum Legend {
    /// Draws the legend at `layout.legendY`; `retrained` says that more than one model version scored the records.
    static func draw(
        into writer: inout SVGWriter, markers: FlagMarkers, downsampled: Bool, retrained: Bool, layout: ChartLayout
    ) {
        var x = layout.plotLeft
        let y = layout.legendY
        /// Advances past an item whose label is `text`: an estimate of its width at 12 px.
        func advance(_ text: String) { x += 24 + Double(text.count) * 6.4 + 22 }

        let scoreText = downsampled ? "score (range per pixel column)" : "score"
        writer.element(
            "line",
            [
                "x1": .number(x), "y1": .number(y), "x2": .number(x + 18), "y2": .number(y),
                "stroke": .text(SVGReport.scoreColour), "stroke-width": "1.5",
            ])
        writer.label(scoreText, ["x": .number(x + 24), "y": .number(y + 4)])
        advance(scoreText)

        let thresholdText = retrained ? "threshold (steps at retraining)" : "threshold"
        writer.element(
            "line",
            [
                "x1": .number(x), "y1": .number(y), "x2": .number(x + 18), "y2": .number(y),
                "stroke": .text(SVGReport.thresholdColour), "stroke-width": "1.5", "stroke-dasharray": "5 3",
            ])
        writer.label(thresholdText, ["x": .number(x + 24), "y": .number(y + 4)])
        advance(thresholdText)

        let flaggedText = "flagged (\(NumberText.count(markers.flagged)))"
        writer.element(
            "circle",
            [
                "cx": .number(x + 9), "cy": .number(y), "r": "3.2", "fill": .text(SVGReport.flagColour),
                "stroke": "#ffffff", "stroke-width": "0.8",
            ])
        writer.label(flaggedText, ["x": .number(x + 24), "y": .number(y + 4)])
        advance(flaggedText)

        if markers.offScale > 0 {
            writer.element(
                "path",
                [
                    "d": .text("M\(NumberText.coordinate(x + 9)),\(NumberText.coordinate(y - 4))l-4.5,8h9z"),
                    "fill": .text(SVGReport.flagColour),
                ])
            writer.label("score +∞ (off scale)", ["x": .number(x + 24), "y": .number(y + 4)])
        }
    }
}
