/// A moment as a UTC calendar date and time, computed from seconds since 1970 without a time-zone database (the
/// proleptic Gregorian calendar, as `date -u` prints it).
struct UTCTime: Equatable {
    /// The year, e.g. 2024.
    var year: Int
    /// The month, 1…12.
    var month: Int
    /// The day of the month, 1…31.
    var day: Int
    /// Seconds since midnight, with the fraction (0 ≤ seconds < 86,400).
    var secondOfDay: Double

    /// The moment `seconds` after 1970-01-01 00:00:00 UTC (negative before it).
    init(_ seconds: Double) {
        let finite = seconds.isFinite ? min(max(seconds, -1e13), 1e13) : 0
        let days = (finite / 86_400).rounded(.down)
        secondOfDay = finite - days * 86_400
        (year, month, day) = Self.civil(fromDays: Int(days))
    }

    /// The date of day `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The number of days from 1970-01-01 to the given date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `2024-05-01`.
    var date: String { "\(Self.padded(year, 4))-\(Self.padded(month, 2))-\(Self.padded(day, 2))" }

    /// `05-01`.
    var monthAndDay: String { "\(Self.padded(month, 2))-\(Self.padded(day, 2))" }

    /// `2024-05`.
    var yearAndMonth: String { "\(Self.padded(year, 4))-\(Self.padded(month, 2))" }

    /// `13:05`, `13:05:09` or `13:05:09.250`, for `precision` 0 (minutes), 1 (seconds) or 2 (milliseconds).
    func clock(precision: Int) -> String {
        let milliseconds = Int((secondOfDay * 1000).rounded(.down))
        let hours = milliseconds / 3_600_000
        let minutes = milliseconds / 60_000 % 60
        var text = "\(Self.padded(hours, 2)):\(Self.padded(minutes, 2))"
        if precision >= 1 { text += ":" + Self.padded(milliseconds / 1000 % 60, 2) }
        if precision >= 2 { text += "." + Self.padded(milliseconds % 1000, 3) }
        return text
    }

    /// `2024-05-01 13:05:09`.
    var dateAndClock: String { date + " " + clock(precision: 1) }

    /// `value` with leading zeros to `width` digits.
    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value.magnitude)
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
