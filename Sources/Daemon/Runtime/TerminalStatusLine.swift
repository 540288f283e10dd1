import Glibc
import Synchronization
internal import SystemIO

/// The daemon's one-line status kept as the last line of an interactive terminal, as `vaewatch serve` shows it when
/// run by hand: log lines scroll above it, and the line is rewritten in place every second. Under systemd, in a
/// pipe or a file, there is none (``standardError`` is nil) and the logs are plain lines.
///
/// Every write to the terminal goes through one lock, so a log line never lands in the middle of the status line.
package final class TerminalStatusLine: Sendable {
    /// The status line for stderr when stderr is an interactive terminal and not the journal; nil otherwise.
    package static let standardError: TerminalStatusLine? = {
        guard isatty(STDERR_FILENO) == 1, getenv("JOURNAL_STREAM") == nil else { return nil }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return nil }
        return TerminalStatusLine(descriptor: STDERR_FILENO)
    }()

    private struct State {
        var line = ""
        var finished = false
    }

    private let descriptor: CInt
    private let columns: @Sendable () -> Int
    private let state = Mutex(State())

    /// A status line on `descriptor`, cut to `columns()` characters (default: the terminal's width).
    package init(descriptor: CInt, columns: (@Sendable () -> Int)? = nil) {
        self.descriptor = descriptor
        self.columns = columns ?? { Self.terminalColumns(of: descriptor) }
    }

    /// Replaces the status line with `text`.
    package func show(_ text: String) {
        state.withLock { state in
            guard !state.finished else { return }
            state.line = fitted(text)
            emit(Self.clear + state.line)
        }
    }

    /// Writes `logLine` (ending in a newline) above the status line, then draws the status line again.
    package func writeAbove(_ logLine: String) {
        state.withLock { state in
            emit(state.finished ? logLine : Self.clear + logLine + state.line)
        }
    }

    /// Leaves `text` as a last, ordinary line; later log lines are written plainly.
    package func finish(with text: String) {
        state.withLock { state in
            guard !state.finished else { return }
            state.finished = true
            emit(Self.clear + text + "\n")
        }
    }

    /// Carriage return and "erase the whole line".
    static let clear = "\r\u{1B}[2K"

    /// `text` cut to one character less than the terminal is wide, so the line never wraps.
    private func fitted(_ text: String) -> String {
        let width = max(columns() - 1, 10)
        guard text.count > width else { return text }
        return String(text.prefix(width - 1)) + "…"
    }

    /// Writes all of `text` in as few `write`s as it takes.
    private func emit(_ text: String) {
        let bytes = Array(text.utf8)
        // When the terminal is gone there is nothing to tell anyone.
        bytes.withUnsafeBytes { buffer in try? SystemCalls.writeAll(descriptor, buffer) }
    }

    /// The width of the terminal on `descriptor`, 80 when it cannot say.
    private static func terminalColumns(of descriptor: CInt) -> Int {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
