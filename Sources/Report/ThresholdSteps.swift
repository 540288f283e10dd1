/// The threshold as a step line: flat while a model is in use, a vertical step where a retrained model brought a new
/// threshold. At most two steps per pixel column (to its first and to its last threshold), so the path stays small
/// even when the threshold changes often.
enum ThresholdSteps {
    /// The path data (`d`) of the thresholds of `series`, whose columns start at `left`; empty without records.
    static func path(_ series: PlottedSeries, left: Double, columns: Int) -> String {
        guard let firstX = series.xs.first, let lastX = series.xs.last else { return "" }
        var path = PathText()
        var currentY = series.thresholdYs[0]
        path.point(firstX, currentY)
        var column = -1
        var columnX = firstX
        var columnLast = currentY
        for position in series.xs.indices {
            let y = series.thresholdYs[position]
            let pixel = min(max(Int(series.xs[position] - left), 0), columns - 1)
            if pixel != column {
                if columnLast != currentY {
                    // The threshold changed inside the previous column: step there.
                    path.horizontal(columnX)
                    path.vertical(columnLast)
                    currentY = columnLast
                }
                if y != currentY {
                    path.horizontal(series.xs[position])
                    path.vertical(y)
                    currentY = y
                }
                column = pixel
                columnX = series.xs[position]
            }
            columnLast = y
        }
        if columnLast != currentY {
            path.horizontal(columnX)
            path.vertical(columnLast)
        }
        path.horizontal(max(lastX, firstX + 1))
        return path.text
    }
}
