import Glibc

/// Moments as the daemon writes them for people: the log's UTC timestamps and `vaewatch status`'s local times.
enum CalendarText {
    /// `seconds` since 1970 as `2026-12-05<between>07:14:03`, in UTC or in the process's local time zone (TZ).
    static func text(_ seconds: Int64, local: Bool, between: String = " ") -> String {
        var moment = time_t(seconds)
        var parts = tm()
        if local {
            tzset()
            localtime_r(&moment, &parts)
        } else {
            gmtime_r(&moment, &parts)
        }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))\(between)"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
