import Glibc
import Report

extension StatusFile {
    /// The fields of a status file (``fields(of:)``) for people, one `label  value` line each, labels aligned: times
    /// as local date-times with their age (`2026-12-05 07:14:03 (3 min ago)`), the anomaly rate as a percentage,
    /// counts grouped, waits as durations. Once the process is gone, the state says how it ended: `stopped (exit 0)
    /// at …` from the daemon's last write, or `not running (pid N is gone; …)` when it ended without one (killed).
    ///
    /// - Parameters:
    ///   - now: seconds since 1970, for the ages.
    ///   - processExists: whether a process id is alive; by default, whether `kill(pid, 0)` finds it.
    package static func peopleLines(
        of fields: [(key: String, value: String?)], now: Int64,
        processExists: (Int32) -> Bool = StatusFile.processExists
    ) -> [String] {
        let values = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        var rows: [(label: String, value: String)] = []
        for (key, value) in fields {
            switch key {
            case "exit_status", "stopped_at": continue  // Told in the state's line.
            case "state": rows.append(("state", stateText(values, now: now, processExists: processExists)))
            default: rows.append((label(key), value.map { readable(key, $0, now: now) } ?? "-"))
            }
        }
        let width = rows.map(\.label.count).max() ?? 0
        return rows.map { $0.label + String(repeating: " ", count: width - $0.label.count + 2) + $0.value }
    }

    /// Whether process `pid` exists (one of another user's counts too).
    package static func processExists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    /// `moment` (seconds since 1970) as a local date-time with its age at `now`: `2026-12-05 07:14:03 (3 min ago)`.
    static func timeText(_ moment: Int64, now: Int64) -> String {
        let age =
            now >= moment ? DaemonStatus.duration(Double(now - moment), rounding: .down) + " ago" : "in the future"
        return "\(CalendarText.text(moment, local: true)) (\(age))"
    }

    /// The state's line: the state while the process lives; how it ended once it is gone.
    private static func stateText(_ values: [String: String?], now: Int64, processExists: (Int32) -> Bool) -> String {
        let state = (values["state"] ?? nil) ?? "?"
        func time(_ key: String) -> String {
            ((values[key] ?? nil).flatMap { Int64($0) }).map { timeText($0, now: now) } ?? "an unknown time"
        }
        if state == DaemonStatus.State.stopped.rawValue {
            return "stopped (exit \((values["exit_status"] ?? nil) ?? "?")) at \(time("stopped_at"))"
        }
        let pid = (values["pid"] ?? nil).flatMap { Int32($0) }
        if let pid, processExists(pid) { return state.replacing("_", with: " ") }
        return "not running (pid \(pid.map(String.init) ?? "?") is gone without a final status, killed or crashed; "
            + "last status from \(time("updated_at")): \(state.replacing("_", with: " ")))"
    }

    /// A key's label: `next_retrain_seconds` reads `next retrain in`.
    private static func label(_ key: String) -> String {
        switch key {
        case "last_retrain_at": "last retrain"
        case "next_retrain_records": "next retrain after"
        case "next_retrain_seconds": "next retrain in"
        case "lag_seconds": "behind by"
        case "updated_at": "updated"
        default: key.replacing("_", with: " ")
        }
    }

    /// A value for people; the file's text when it is not what the key holds.
    private static func readable(_ key: String, _ value: String, now: Int64) -> String {
        switch key {
        case "records", "anomalies", "rejects", "dead_letters", "retrains": Int(value).map(NumberText.count) ?? value
        case "next_retrain_records": Int(value).map { NumberText.count($0) + " records" } ?? value
        case "anomaly_rate": Double(value).map(NumberText.percent) ?? value
        case "next_retrain_seconds", "lag_seconds": Double(value).map { DaemonStatus.duration($0) } ?? value
        case "last_retrain_at", "updated_at": Int64(value).map { timeText($0, now: now) } ?? value
        default: value
        }
    }
}
