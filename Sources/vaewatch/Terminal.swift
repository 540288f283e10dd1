import RecordIO
internal import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// Messages and progress on stderr.
enum Terminal {
    /// Writes `line` and a newline to stderr, unbuffered.
    static func printError(_ line: String) { printRaw(line + "\n") }

    /// Whether stderr is a terminal (progress bars go there only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether stdin is a terminal.
    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Rewrites the current stderr line (a progress bar).
    static func rewriteLine(_ text: String) {
        printRaw("\r\u{1B}[2K" + text)
    }

    /// Ends a progress line.
    static func endLine() { printRaw("\n") }

    /// Writes all of `text` to stderr; when stderr is gone there is nobody to tell.
    private static func printRaw(_ text: String) {
        var text = text
        text.withUTF8 { bytes in try? SystemCalls.writeAll(STDERR_FILENO, UnsafeRawBufferPointer(bytes)) }
    }

    /// Seconds on the monotonic clock.
    static func now() -> Double { SystemCalls.monotonicSeconds() }

    /// `1.23`, `12.3`, `123`: a figure with about three significant digits.
    static func figure(_ value: Double) -> String {
        let magnitude = abs(value)
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 4
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return decimals == 0 ? String(Int(rounded)) : String(rounded)
    }

}
