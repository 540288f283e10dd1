import Detector

/// Draws a report as an SVG document: a title with the counts, the score over time on a log axis with the threshold
/// as a step line and every flagged record marked, a panel of the features that explain the flags, and a caption
/// that says how to read it. Pure: the same data give the same bytes.
package enum SVGReport {
    /// How the report is drawn.
    package struct Options: Sendable, Equatable {
        /// The document's width in pixels (at least 480).
        package var width: Double
        /// Most flagged records drawn one marker each; beyond it, one marker per pixel column.
        package var markerCap: Int

        /// The defaults: 960 pixels wide, 5,000 markers.
        package init(width: Double = 960, markerCap: Int = 5000) {
            self.width = width
            self.markerCap = markerCap
        }
    }

    /// The colour of the score line.
    static let scoreColour = "#4e79a7"
    /// The colour of the threshold line.
    static let thresholdColour = "#3a3a3a"
    /// The colour of the flagged markers.
    static let flagColour = "#d62728"
    /// The fonts: the system's sans-serif.
    static let fontFamily = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
    /// Up to this many records, each also gets a small dot, so that a short series reads as points.
    static let dotLimit = 300

    /// The SVG document for `data`.
    package static func render(_ data: ReportData, options: Options = Options()) -> String {
        let layout = ChartLayout(width: max(480, options.width.isFinite ? options.width : 960))
        let points = data.points
        let order = PlottedSeries.order(of: points)
        let xScale = XScale(
            values: order.map { points[$0].x }, kind: data.xAxis, left: layout.plotLeft, right: layout.plotRight)
        var yValues: [Double] = []
        yValues.reserveCapacity(points.count * 2)
        for point in points {
            yValues.append(point.score)
            yValues.append(point.threshold)
        }
        let yScale = LogScale(values: yValues, top: layout.plotTop, bottom: layout.plotBottom)
        let series = PlottedSeries(points, order: order, x: xScale, y: yScale)
        let summary = ReportSummary(points)
        let markers = FlagMarkers(points, series, layout: layout, cap: max(0, options.markerCap))
        let downsampled = points.count > layout.columns

        var body = SVGWriter()
        let title = data.title ?? "vaewatch report: \(data.source)"
        let subtitle = Self.subtitle(data, order: order, summary: summary)
        body.label(
            XMLText.truncated(title, to: 80),
            ["x": .number(layout.plotLeft), "y": .number(layout.titleY), "font-size": "19", "font-weight": "600"])
        body.label(
            subtitle,
            ["x": .number(layout.plotLeft), "y": .number(layout.subtitleY), "font-size": "13", "fill": "#555"])
        Legend.draw(
            into: &body, markers: markers, downsampled: downsampled, retrained: summary.retrained, layout: layout)
        drawAxes(into: &body, x: xScale, y: yScale, points: points, layout: layout)
        drawSeries(into: &body, series: series, markers: markers, layout: layout)
        if points.isEmpty {
            body.label(
                "no records",
                [
                    "x": .number((layout.plotLeft + layout.plotRight) / 2),
                    "y": .number((layout.plotTop + layout.plotBottom) / 2), "text-anchor": "middle", "fill": "#888",
                ])
        }
        let panelBottom = FeaturePanel.draw(
            into: &body, summary: FeatureSummary(points), flagged: summary.flagged,
            hasFeatureShares: data.hasFeatureShares, layout: layout)
        var y = panelBottom + 24
        body.open("g", ["id": "caption", "font-size": "11.5", "fill": "#666"])
        body.raw("\n")
        for line in Caption.lines(
            data: data, points: points, x: xScale, y: yScale, markers: markers, downsampled: downsampled,
            layout: layout)
        {
            body.label(line, ["x": .number(layout.plotLeft), "y": .number(y)])
            y += layout.captionPitch
        }
        body.close("g")
        let height = (y + 4).rounded(.up)

        var document = SVGWriter()
        document.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        document.open(
            "svg",
            [
                "xmlns": "http://www.w3.org/2000/svg", "width": .number(layout.width), "height": .number(height),
                "viewBox": .text("0 0 \(NumberText.coordinate(layout.width)) \(NumberText.coordinate(height))"),
                "font-family": .text(fontFamily), "font-size": "12", "fill": "#222",
            ])
        document.raw("\n")
        // `<title>` names the picture for screen readers, and shows as a tooltip.
        document.textElement("title", title + " — " + subtitle)
        document.element("rect", ["width": "100%", "height": "100%", "fill": "#ffffff"])
        document.raw(body.text)
        document.close("svg")
        return document.text
    }

    /// The line under the title: the span of the records, then the counts.
    static func subtitle(_ data: ReportData, order: [Int], summary: ReportSummary) -> String {
        var parts: [String] = []
        if let first = order.first.map({ data.points[$0].x }), let last = order.last.map({ data.points[$0].x }) {
            switch data.xAxis {
            case .time, .rowTime:
                let start = UTCTime(first)
                let end = UTCTime(last)
                let endText = end.date == start.date ? end.clock(precision: 1) : end.dateAndClock
                parts.append("\(start.dateAndClock) – \(endText) UTC")
            case .recordNumber:
                parts.append(
                    "records \(NumberText.count(Int(first.rounded())))–\(NumberText.count(Int(last.rounded())))")
            }
        }
        return (parts + summary.parts).joined(separator: " · ")
    }

    /// The y grid and labels, the x ticks and labels, the axis titles and the chart's frame.
    static func drawAxes(
        into writer: inout SVGWriter, x: XScale, y: LogScale, points: [ScoredPoint], layout: ChartLayout
    ) {
        writer.open("g", ["id": "axes", "font-size": "11", "fill": "#555"])
        writer.raw("\n")
        for tick in y.ticks {
            let row = y.y(tick.value)
            writer.element(
                "line",
                [
                    "x1": .number(layout.plotLeft), "y1": .number(row), "x2": .number(layout.plotRight),
                    "y2": .number(row), "stroke": tick.major ? "#dddddd" : "#eeeeee", "stroke-width": "1",
                ])
            if !tick.label.isEmpty {
                writer.label(
                    tick.label, ["x": .number(layout.plotLeft - 8), "y": .number(row + 4), "text-anchor": "end"])
            }
        }
        if points.contains(where: { $0.score == .infinity || $0.threshold == .infinity }) {
            writer.label(
                "+∞", ["x": .number(layout.plotLeft - 8), "y": .number(layout.offScaleY + 4), "text-anchor": "end"])
        }
        for tick in x.ticks {
            writer.element(
                "line",
                [
                    "x1": .number(tick.position), "y1": .number(layout.plotTop), "x2": .number(tick.position),
                    "y2": .number(layout.plotBottom + 5), "stroke": "#eeeeee", "stroke-width": "1",
                ])
            writer.label(
                tick.label,
                ["x": .number(tick.position), "y": .number(layout.plotBottom + 18), "text-anchor": "middle"])
            if !tick.context.isEmpty {
                writer.label(
                    tick.context,
                    ["x": .number(tick.position), "y": .number(layout.plotBottom + 32), "text-anchor": "middle"])
            }
        }
        writer.element(
            "rect",
            [
                "x": .number(layout.plotLeft), "y": .number(layout.plotTop),
                "width": .number(layout.plotRight - layout.plotLeft),
                "height": .number(layout.plotBottom - layout.plotTop),
                "fill": "none", "stroke": "#bbbbbb", "stroke-width": "1",
            ])
        writer.label(
            x.title,
            [
                "x": .number((layout.plotLeft + layout.plotRight) / 2), "y": .number(layout.plotBottom + 52),
                "text-anchor": "middle", "font-size": "12", "fill": "#333",
            ])
        writer.label(
            "score (log scale)",
            [
                "x": .number(-(layout.plotTop + layout.plotBottom) / 2), "y": "18", "transform": "rotate(-90)",
                "text-anchor": "middle", "font-size": "12", "fill": "#333",
            ])
        writer.close("g")
    }

    /// The threshold, the score line, the dots of a short series and the flagged markers.
    static func drawSeries(
        into writer: inout SVGWriter, series: PlottedSeries, markers: FlagMarkers, layout: ChartLayout
    ) {
        guard !series.xs.isEmpty else { return }
        writer.element(
            "path",
            [
                "id": "scores", "d": .text(ScoreEnvelope.path(series, left: layout.plotLeft, columns: layout.columns)),
                "fill": "none", "stroke": .text(scoreColour), "stroke-width": "1.2", "stroke-linejoin": "round",
            ])
        if series.xs.count <= dotLimit {
            writer.open("g", ["id": "records", "fill": .text(scoreColour)])
            writer.raw("\n")
            for position in series.xs.indices {
                writer.element(
                    "circle", ["cx": .number(series.xs[position]), "cy": .number(series.scoreYs[position]), "r": "1.8"])
            }
            writer.close("g")
        }
        writer.element(
            "path",
            [
                "id": "threshold",
                "d": .text(ThresholdSteps.path(series, left: layout.plotLeft, columns: layout.columns)),
                "fill": "none", "stroke": .text(thresholdColour), "stroke-width": "1.5", "stroke-dasharray": "6 3",
            ])
        writer.open(
            "g", ["id": "flagged", "fill": .text(flagColour), "stroke": "#ffffff", "stroke-width": "0.8"])
        writer.raw("\n")
        writer.raw(markers.elements)
        writer.close("g")
    }
}
