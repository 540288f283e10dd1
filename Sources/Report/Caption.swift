/// The sentences under the report that say how to read it: what the score is, where unusual scores are drawn, how
/// the records were thinned to the pixel, and anything the caller adds.
enum Caption {
    /// The caption's lines, each short enough for the page.
    static func lines(
        data: ReportData, points: [ScoredPoint], x: XScale, y: LogScale, markers: FlagMarkers, downsampled: Bool,
        layout: ChartLayout
    ) -> [String] {
        var lines = [
            "The score is the reconstruction error plus the KL term; a record scoring above the threshold in force is "
                + "flagged."
        ]
        let zeros = points.reduce(0) { $0 + ($1.score.isFinite && $1.score <= 0 ? 1 : 0) }
        let infinite = points.reduce(0) { $0 + ($1.score == .infinity ? 1 : 0) }
        var edges: [String] = []
        if zeros > 0 { edges.append("\(NumberText.count(zeros)) score\(zeros == 1 ? "" : "s") of 0") }
        if y.clippedBelow > 0 {
            edges.append(
                "\(NumberText.count(y.clippedBelow)) value\(y.clippedBelow == 1 ? "" : "s") below "
                    + NumberText.figure(y.bottomValue))
        }
        if !edges.isEmpty {
            lines.append("Drawn on the bottom edge of the log scale: " + edges.joined(separator: " and ") + ".")
        }
        if infinite > 0 {
            lines.append(
                "\(NumberText.count(infinite)) score\(infinite == 1 ? " is" : "s are") +∞ (a value the model could not "
                    + "reconstruct at all), drawn above the chart.")
        }
        if downsampled {
            lines.append(
                "The \(NumberText.count(points.count)) records are drawn in \(NumberText.count(layout.columns)) pixel "
                    + "columns: the line visits the first, lowest, highest and last score of each.")
        }
        if markers.capped {
            lines.append(
                "The \(NumberText.count(markers.flagged)) flagged records are too many to mark one by one: each of the "
                    + "\(NumberText.count(markers.drawn)) markers stands for the flagged records in its pixel column, "
                    + "at their highest score.")
        } else if markers.flagged > 0 {
            lines.append("Every flagged record has its own marker.")
        }
        if x.mode == .scoringOrder {
            lines.append(
                "Most records share their scoring time (they were scored in batches), so they are drawn in scoring "
                    + "order, evenly spaced; the labels give the times.")
        }
        return lines + data.notes
    }
}
