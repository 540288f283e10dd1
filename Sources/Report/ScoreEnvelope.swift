/// The score line, downsampled to the pixel: within each pixel column the line visits the column's first, lowest,
/// highest and last score (the M4 method), which draws exactly what the full line would at this resolution while
/// the path stays a few commands per column however many records there are.
enum ScoreEnvelope {
    /// The path data (`d`) through `series`, whose columns start at `left`.
    static func path(_ series: PlottedSeries, left: Double, columns: Int) -> String {
        var path = PathText()
        var column = -1
        var first = 0.0
        var low = 0.0
        var high = 0.0
        var last = 0.0
        var x = 0.0
        func flush() {
            guard column >= 0 else { return }
            path.point(x, first)
            // Rows grow downwards: the highest score has the smallest row.
            path.vertical(high)
            path.vertical(low)
            path.vertical(last)
        }
        for position in series.xs.indices {
            let y = series.scoreYs[position]
            let pixel = min(max(Int(series.xs[position] - left), 0), columns - 1)
            if pixel != column {
                flush()
                column = pixel
                x = series.xs[position]
                first = y
                low = y
                high = y
            } else {
                low = max(low, y)
                high = min(high, y)
            }
            last = y
        }
        flush()
        return path.text
    }
}

/// SVG path data built command by command, skipping moves that go nowhere.
struct PathText {
    /// The path data so far.
    private(set) var text = ""
    private var currentX = ""
    private var currentY = ""

    /// A move to (x, y) for the first point, a line to it after.
    mutating func point(_ x: Double, _ y: Double) {
        let xText = NumberText.coordinate(x)
        let yText = NumberText.coordinate(y)
        if text.isEmpty {
            text = "M" + xText + "," + yText
        } else if xText == currentX {
            if yText != currentY { text += "V" + yText }
        } else if yText == currentY {
            text += "H" + xText
        } else {
            text += "L" + xText + "," + yText
        }
        currentX = xText
        currentY = yText
    }

    /// A vertical line to row `y`, unless the path is there already.
    mutating func vertical(_ y: Double) {
        let yText = NumberText.coordinate(y)
        guard yText != currentY else { return }
        text += "V" + yText
        currentY = yText
    }

    /// A horizontal line to column `x`, unless the path is there already.
    mutating func horizontal(_ x: Double) {
        let xText = NumberText.coordinate(x)
        guard xText != currentX else { return }
        text += "H" + xText
        currentX = xText
    }
}
