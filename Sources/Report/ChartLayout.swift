/// Where the parts of the report go, in SVG user units (pixels at 100%).
struct ChartLayout {
    /// The document's width.
    let width: Double
    /// The left edge of the score chart (room for the y labels on its left).
    let plotLeft = 76.0
    /// The top edge of the score chart.
    let plotTop = 116.0
    /// The bottom edge of the score chart.
    let plotBottom = 436.0
    /// The baseline of the title.
    let titleY = 30.0
    /// The baseline of the line under the title.
    let subtitleY = 52.0
    /// The middle of the legend row.
    let legendY = 80.0
    /// The top of the feature panel.
    let panelTop = 512.0
    /// The height of one bar of the feature panel, with its gap.
    let barPitch = 24.0
    /// The distance between the baselines of caption lines.
    let captionPitch = 16.0

    /// The right edge of the score chart.
    var plotRight: Double { width - 28 }
    /// The width of the score chart in whole pixel columns.
    var columns: Int { max(1, Int(plotRight - plotLeft)) }
    /// The row where +∞ scores are drawn: a band just above the chart.
    var offScaleY: Double { plotTop - 16 }
}
