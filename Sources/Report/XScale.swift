/// The x axis: where each record goes across the chart, and the ticks that say where that is.
struct XScale {
    /// How positions are computed.
    enum Mode: Equatable {
        /// By time, seconds since 1970.
        case time
        /// By record number.
        case recordNumber
        /// By position in scoring order (the n-th record at n), labelled with the times: for records scored in a
        /// few large batches, which a time axis would pile into a few columns.
        case scoringOrder
    }

    /// A tick: its pixel column, its label, and a second line that gives context (the date under times of
    /// day), shown where it changes.
    struct Tick: Equatable {
        var position: Double
        var label: String
        var context: String
    }

    /// How positions are computed.
    let mode: Mode
    /// The pixel column of the left edge.
    let left: Double
    /// The pixel column of the right edge.
    let right: Double
    /// The axis title in ``Mode/time``: when the records were scored, or the source table's time column.
    private let timeTitle: String
    /// The x values in order (sorted), for the labels of ``Mode/scoringOrder``.
    private let values: [Double]
    /// The domain's ends, in x units (or positions, for scoring order).
    private let low: Double
    private let high: Double

    /// A scale for the sorted x values `values` of an axis of `kind`, between pixel columns `left` and `right`.
    init(values: [Double], kind: XAxisKind, left: Double, right: Double) {
        self.values = values
        self.left = left
        self.right = right
        switch kind {
        case .recordNumber:
            mode = .recordNumber
            timeTitle = ""
        case .time:
            mode = Self.spreadsTime(values, columns: Int(right - left)) ? .time : .scoringOrder
            timeTitle = "time scored (UTC)"
        case .rowTime(let column):
            mode = .time
            timeTitle = "\(column) of the scored rows (UTC)"
        }
        if mode == .scoringOrder {
            low = 0
            high = Double(max(values.count - 1, 0))
        } else {
            low = values.first ?? 0
            high = values.last ?? 0
        }
    }

    /// Whether `values` (sorted times) are spread out enough to be drawn by time: they span some time, and hold at
    /// least a quarter as many distinct times as there are records or pixel columns, whichever is fewer.
    static func spreadsTime(_ values: [Double], columns: Int) -> Bool {
        guard let first = values.first, let last = values.last, last > first else { return false }
        let needed = max(2, min(values.count, columns) / 4)
        var distinct = 1
        for index in values.indices.dropFirst() where values[index] != values[index - 1] {
            distinct += 1
            if distinct >= needed { return true }
        }
        return false
    }

    /// The pixel column of the record at `index` (in sorted order) whose x value is `value`.
    func x(index: Int, value: Double) -> Double {
        let position = mode == .scoringOrder ? Double(index) : value
        guard high > low else { return (left + right) / 2 }
        let fraction = (position - low) / (high - low)
        guard fraction.isFinite else { return left }
        return left + min(max(fraction, 0), 1) * (right - left)
    }

    /// The axis title.
    var title: String {
        switch mode {
        case .time: timeTitle
        case .recordNumber: "record number"
        case .scoringOrder: "records in the order they were scored; labels: time scored (UTC)"
        }
    }

    /// Most ticks that fit with their labels.
    private var maximumTicks: Int { max(2, Int((right - left) / 110)) }

    /// The ticks, left to right.
    var ticks: [Tick] {
        guard !values.isEmpty else { return [] }
        switch mode {
        case .recordNumber:
            return linearTicks { NumberText.count(Int($0.rounded())) }
        case .scoringOrder:
            let span = (values.last ?? 0) - (values.first ?? 0)
            let unit = TimeUnit.choose(forStep: span / Double(maximumTicks))
            return withContext(
                linearTicks { position in
                    let index = min(max(Int(position.rounded()), 0), values.count - 1)
                    return unit.label(UTCTime(values[index]))
                })
        case .time:
            return withContext(timeTicks())
        }
    }

    /// Ticks at multiples of a 1-2-5 step (at least 1) inside the domain; `label` gets the value and returns the
    /// label, with the context after a tab when it has one.
    private func linearTicks(_ label: (Double) -> String) -> [Tick] {
        let span = high - low
        guard span > 0 else { return [Tick(position: x(index: 0, value: low), label: label(low), context: "")] }
        var step = 1.0
        var magnitude = 1.0
        search: while true {
            for mantissa in [1.0, 2, 5] where span / (mantissa * magnitude) <= Double(maximumTicks) {
                step = mantissa * magnitude
                break search
            }
            magnitude *= 10
        }
        var ticks: [Tick] = []
        var value = (low / step).rounded(.up) * step
        if mode == .recordNumber, value < 1 { value = step }
        while value <= high + 1e-9 {
            let index = Int(value.rounded())
            ticks.append(Tick(position: x(index: index, value: value), label: label(value), context: ""))
            value += step
        }
        if ticks.isEmpty { ticks.append(Tick(position: x(index: 0, value: low), label: label(low), context: "")) }
        return ticks
    }

    /// Ticks at round times: multiples of a step from midnight UTC, or the first days of months.
    private func timeTicks() -> [Tick] {
        let span = high - low
        let unit = TimeUnit.choose(forStep: span / Double(maximumTicks))
        var ticks: [Tick] = []
        for moment in unit.moments(from: low, to: high) {
            ticks.append(Tick(position: x(index: 0, value: moment), label: unit.label(UTCTime(moment)), context: ""))
        }
        if ticks.count < 2 {
            // Too short a span for a round step: label both ends.
            let fine = TimeUnit.milliseconds
            ticks = [low, high].map {
                Tick(position: x(index: 0, value: $0), label: fine.label(UTCTime($0)), context: "")
            }
        }
        return ticks
    }

    /// Splits each label at its tab into label and context, and keeps the context only where it changes.
    private func withContext(_ ticks: [Tick]) -> [Tick] {
        var previous = ""
        return ticks.map { tick in
            let parts = tick.label.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            let context = parts.count > 1 ? String(parts[1]) : ""
            defer { previous = context }
            return Tick(position: tick.position, label: String(parts[0]), context: context == previous ? "" : context)
        }
    }
}
