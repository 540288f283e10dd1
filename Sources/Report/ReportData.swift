import Detector

/// Everything one report draws: the scored records of one source, oldest first, and how to label them.
package struct ReportData: Sendable {
    /// The source's name: a table (`public.metrics`) or a file name; shown in the title.
    package var source: String
    /// What the points' x values mean.
    package var xAxis: XAxisKind
    /// The records, in x order (oldest first); the renderer sorts them when they are not.
    package var points: [ScoredPoint]
    /// Whether the input carries feature shares at all (JSON lines and the database do, CSV does not); when it
    /// does not, the feature panel says how to get them.
    package var hasFeatureShares: Bool
    /// A title to use instead of `vaewatch report: <source>`.
    package var title: String?
    /// Extra lines for the caption, such as which part of a longer history is shown.
    package var notes: [String]

    /// Creates report data.
    package init(
        source: String, xAxis: XAxisKind, points: [ScoredPoint], hasFeatureShares: Bool, title: String? = nil,
        notes: [String] = []
    ) {
        self.source = source
        self.xAxis = xAxis
        self.points = points
        self.hasFeatureShares = hasFeatureShares
        self.title = title
        self.notes = notes
    }
}
