/// A round step between time ticks (a number of seconds, or of months) and how its labels read.
struct TimeUnit: Equatable {
    /// The step in seconds, when it is not in months.
    var seconds: Double
    /// The step in months (0 when it is in seconds).
    var months: Int

    /// Steps in seconds, from a millisecond to four weeks.
    static let secondSteps: [Double] = [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
        3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800, 1_209_600, 2_419_200,
    ]
    /// Steps in months, beyond four weeks.
    static let monthSteps = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200]

    /// The finest resolution: labels with milliseconds.
    static let milliseconds = TimeUnit(seconds: 0.001, months: 0)

    /// The smallest round step of at least `step` seconds.
    static func choose(forStep step: Double) -> TimeUnit {
        if let seconds = secondSteps.first(where: { $0 >= step }) { return TimeUnit(seconds: seconds, months: 0) }
        let months = monthSteps.first { Double($0) * 2_629_746 >= step } ?? monthSteps.last!
        return TimeUnit(seconds: 0, months: months)
    }

    /// The label of a moment, and after a tab its context (the date under a time of day, the year under a day).
    func label(_ time: UTCTime) -> String {
        if months > 0 { return time.yearAndMonth }
        if seconds >= 86_400 { return time.monthAndDay + "\t" + UTCTime.padded(time.year, 4) }
        let precision = seconds < 1 ? 2 : seconds < 60 ? 1 : 0
        return time.clock(precision: precision) + "\t" + time.date
    }

    /// The round moments from `low` to `high` (seconds since 1970): multiples of the step counted from
    /// 1970-01-01 00:00 UTC, or the first days of every `months`-th month.
    func moments(from low: Double, to high: Double) -> [Double] {
        guard low.isFinite, high.isFinite, high >= low else { return [] }
        var moments: [Double] = []
        if months == 0 {
            var moment = (low / seconds).rounded(.up) * seconds
            while moment <= high, moments.count <= 1000 {
                moments.append(moment)
                moment += seconds
            }
            return moments
        }
        let start = UTCTime(low)
        var monthIndex = start.year * 12 + (start.month - 1)
        monthIndex = (monthIndex + months - 1) / months * months
        while moments.count <= 1000 {
            let days = UTCTime.days(year: monthIndex / 12, month: monthIndex % 12 + 1, day: 1)
            let moment = Double(days) * 86_400
            if moment > high { break }
            if moment >= low { moments.append(moment) }
            monthIndex += months
        }
        return moments
    }
}
