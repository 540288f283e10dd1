internal import CSystemd
import Glibc

/// Talks to the service manager through `$NOTIFY_SOCKET` (libsystemd's `sd_notify`): READY, STATUS, WATCHDOG,
/// STOPPING, RELOADING and EXTEND_TIMEOUT_USEC. Without `$NOTIFY_SOCKET` (run by hand) every call does nothing.
package struct SystemdNotifier: Sendable {
    /// Whether a service manager listens.
    package let isEnabled: Bool
    /// How often systemd expects `WATCHDOG=1` (`$WATCHDOG_USEC`, for this process); nil when the watchdog is off.
    package let watchdogTimeout: Duration?

    /// Reads `$NOTIFY_SOCKET` and `$WATCHDOG_USEC` (and `$WATCHDOG_PID`) of this process.
    package init() {
        isEnabled = getenv("NOTIFY_SOCKET") != nil
        var microseconds: UInt64 = 0
        if sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 {
            watchdogTimeout = .microseconds(Int64(clamping: microseconds))
        } else {
            watchdogTimeout = nil
        }
    }

    /// Sends `NAME=value` assignments, one per line, in one datagram; false when it could not be sent.
    @discardableResult
    package func send(_ assignments: [String]) -> Bool {
        guard isEnabled else { return false }
        // A newline inside a value would start a new assignment: STATUS lines are flattened.
        let text = assignments.map { $0.replacing("\n", with: " ") }.joined(separator: "\n")
        return sd_notify(0, text) > 0
    }

    /// `READY=1` with a status line.
    package func ready(status: String) { send(["READY=1", "STATUS=\(status)"]) }

    /// `STATUS=` alone.
    package func status(_ line: String) { send(["STATUS=\(line)"]) }

    /// `WATCHDOG=1`.
    package func watchdog() { send(["WATCHDOG=1"]) }

    /// `STOPPING=1` with a status line.
    package func stopping(status: String) { send(["STOPPING=1", "STATUS=\(status)"]) }

    /// `RELOADING=1` with `MONOTONIC_USEC`, the time of the reload on `CLOCK_MONOTONIC`, as systemd requires.
    package func reloading() {
        send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())", "STATUS=reloading"])
    }

    /// `EXTEND_TIMEOUT_USEC`: asks for `more` time to start (or stop), counted from now.
    package func extendTimeout(by more: Duration, status: String) {
        let (seconds, attoseconds) = more.components
        send(["EXTEND_TIMEOUT_USEC=\(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)", "STATUS=\(status)"])
    }

    /// Microseconds on `CLOCK_MONOTONIC`, the clock systemd compares `MONOTONIC_USEC` with.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
