internal import Glibc

/// Parses a record's time into seconds since 1970-01-01T00:00:00Z, without allocating: an ISO 8601 / RFC 3339 date
/// and time as people and databases write it, or a number of seconds since 1970 (Unix time).
///
/// Accepted, with no surrounding whitespace:
/// - `YYYY-MM-DD`, optionally followed by `T` (or `t`, or a space) and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction`,
///   then optionally a zone: `Z`, `+HH`, `+HH:MM` or `+HHMM` (or `-`). A time without a zone is UTC, as PostgreSQL
///   writes a `timestamp` in a UTC session. `2030-02-03T04:05:06Z`, `2030-02-03 04:05:06.25+02:00` and
///   `2030-02-03` read; a second of 60 (a leap second) reads as the next minute's first.
/// - `[+-]digits[.digits]`: seconds since 1970, such as `1893643506` or `1893643506.25`.
///
/// Years run from 0001 to 9999, so that every time accepted is finite and exact to well under a millisecond.
package enum TimestampParser {
    /// Why a field is not a time.
    package enum Failure: Error, Sendable, Equatable {
        /// The field has no bytes.
        case empty
        /// The field is neither a date and time nor a number.
        case notATime
        /// A date or time field is out of its range (month 13, 25 o'clock, February 30th, a year before 0001…).
        case outOfRange

        /// A short phrase for reject messages.
        package var reason: String {
            switch self {
            case .empty:
                "no time (the field is empty); every record needs its time"
            case .notATime:
                "not a time; write an ISO 8601 date and time (2030-02-03T04:05:06Z) or seconds since 1970"
            case .outOfRange:
                "not a valid time (a field is out of range, or the year is outside 0001–9999)"
            }
        }
    }

    /// Seconds from 1970-01-01 to 0001-01-01 (negative) and to 10000-01-01: the accepted range.
    static let earliest = -62_135_596_800.0
    static let latest = 253_402_300_800.0

    /// Parses the `count` bytes at `start`.
    package static func parse(_ start: UnsafePointer<UInt8>, count: Int) -> Result<Double, Failure> {
        guard count > 0 else { return .failure(.empty) }
        if count >= 10, start[4] == UInt8(ascii: "-"), isDigit(start[0]) {
            return dateAndTime(start, count: count)
        }
        return seconds(start, count: count)
    }

    /// Parses the bytes of `buffer`.
    package static func parse(_ buffer: UnsafeRawBufferPointer) -> Result<Double, Failure> {
        guard let base = buffer.baseAddress else { return .failure(.empty) }
        return parse(base.assumingMemoryBound(to: UInt8.self), count: buffer.count)
    }

    /// `[+-]digits[.digits]` through `strtod` (correctly rounded), after the grammar is checked.
    private static func seconds(_ start: UnsafePointer<UInt8>, count: Int) -> Result<Double, Failure> {
        var p = start[0] == UInt8(ascii: "-") || start[0] == UInt8(ascii: "+") ? 1 : 0
        let integerStart = p
        while p < count, isDigit(start[p]) { p += 1 }
        guard p > integerStart else { return .failure(.notATime) }
        if p < count, start[p] == UInt8(ascii: ".") {
            p += 1
            let fractionStart = p
            while p < count, isDigit(start[p]) { p += 1 }
            guard p > fractionStart else { return .failure(.notATime) }
        }
        guard p == count else { return .failure(.notATime) }
        guard count < 64 else { return .failure(.outOfRange) }
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { text in
            for i in 0..<count { text[i] = CChar(bitPattern: start[i]) }
            text[count] = 0
            return strtod(text.baseAddress!, nil)
        }
        guard value >= earliest, value < latest else { return .failure(.outOfRange) }
        return .success(value)
    }

    /// `YYYY-MM-DD[(T|t| )HH:MM[:SS[.fraction]][zone]]`.
    private static func dateAndTime(_ start: UnsafePointer<UInt8>, count: Int) -> Result<Double, Failure> {
        var p = 0
        /// Reads exactly `width` digits.
        func number(_ width: Int) -> Int? {
            guard p + width <= count else { return nil }
            var value = 0
            for i in p..<(p + width) {
                guard isDigit(start[i]) else { return nil }
                value = value * 10 + Int(start[i] &- UInt8(ascii: "0"))
            }
            p += width
            return value
        }
        func skip(_ byte: UInt8) -> Bool {
            guard p < count, start[p] == byte else { return false }
            p += 1
            return true
        }
        guard let year = number(4), skip(UInt8(ascii: "-")), let month = number(2), skip(UInt8(ascii: "-")),
            let day = number(2)
        else { return .failure(.notATime) }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else {
            return .failure(.outOfRange)
        }
        var seconds = Double(daysSince1970(year: year, month: month, day: day)) * 86_400
        guard p < count else { return .success(seconds) }
        guard start[p] == UInt8(ascii: "T") || start[p] == UInt8(ascii: "t") || start[p] == UInt8(ascii: " ") else {
            return .failure(.notATime)
        }
        p += 1
        guard let hour = number(2), skip(UInt8(ascii: ":")), let minute = number(2) else { return .failure(.notATime) }
        var second = 0
        var fraction = 0.0
        if skip(UInt8(ascii: ":")) {
            guard let whole = number(2) else { return .failure(.notATime) }
            second = whole
            if skip(UInt8(ascii: ".")) {
                var scale = 0.1
                let fractionStart = p
                while p < count, isDigit(start[p]) {
                    fraction += Double(start[p] &- UInt8(ascii: "0")) * scale
                    scale /= 10
                    p += 1
                }
                guard p > fractionStart else { return .failure(.notATime) }
            }
        }
        guard hour <= 23, minute <= 59, second <= 60 else { return .failure(.outOfRange) }
        seconds += Double(hour * 3_600 + minute * 60 + second) + fraction
        guard p < count else { return .success(seconds) }
        // The zone: the offset of the local time written from UTC.
        if start[p] == UInt8(ascii: "Z") || start[p] == UInt8(ascii: "z") {
            return p + 1 == count ? .success(seconds) : .failure(.notATime)
        }
        guard start[p] == UInt8(ascii: "+") || start[p] == UInt8(ascii: "-") else { return .failure(.notATime) }
        let sign = start[p] == UInt8(ascii: "-") ? -1.0 : 1.0
        p += 1
        guard let offsetHours = number(2) else { return .failure(.notATime) }
        var offsetMinutes = 0
        if p < count {
            _ = skip(UInt8(ascii: ":"))
            guard let minutes = number(2) else { return .failure(.notATime) }
            offsetMinutes = minutes
        }
        guard p == count else { return .failure(.notATime) }
        guard offsetHours <= 23, offsetMinutes <= 59 else { return .failure(.outOfRange) }
        return .success(seconds - sign * Double(offsetHours * 3_600 + offsetMinutes * 60))
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// Days in `month` of `year` (proleptic Gregorian).
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the date (negative before it), proleptic Gregorian; after Howard Hinnant's
    /// `days_from_civil`: count from 0000-03-01 in eras of 400 years (146,097 days), so that the leap day ends a year.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400  // [0, 399]
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1  // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }
}
