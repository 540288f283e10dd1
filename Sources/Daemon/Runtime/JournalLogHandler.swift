import Glibc
import Logging
import Synchronization
internal import SystemIO

/// A swift-log handler that writes one line per message to stderr. Under systemd (`$JOURNAL_STREAM` set) each line
/// starts with its syslog priority, `<3>` for errors to `<7>` for debug, which journald turns into the entry's
/// priority (so `journalctl -p warning` works) and adds its own timestamp; by hand each line starts with a UTC
/// timestamp and the level. Metadata follows the message as `key=value`, keys dotted (`retrain.version=3`).
///
/// The level is shared by every logger of the process and can change while it runs (a reload). With a
/// ``TerminalStatusLine``, lines are written above it.
package struct JournalLogHandler: LogHandler {
    /// The level below which messages are dropped, for every logger (reloadable).
    package static let threshold = Atomic<UInt8>(UInt8(Logger.Level.info.rank))

    /// Sets the process-wide level.
    package static func setLevel(_ level: Logger.Level) { threshold.store(UInt8(level.rank), ordering: .relaxed) }

    private let journal: Bool
    private let terminal: TerminalStatusLine?
    /// Metadata of this logger.
    package var metadata: Logger.Metadata = [:]

    /// A handler for `label`; `journal` chooses the priority prefixes (default: whether `$JOURNAL_STREAM` is set);
    /// lines go above `terminal`'s status line when there is one.
    package init(label: String, journal: Bool = getenv("JOURNAL_STREAM") != nil, terminal: TerminalStatusLine? = nil) {
        self.journal = journal
        self.terminal = terminal
    }

    /// The process-wide level; setting it changes every logger's.
    package var logLevel: Logger.Level {
        get { Logger.Level.allCases.first { $0.rank == Int(Self.threshold.load(ordering: .relaxed)) } ?? .info }
        set { Self.setLevel(newValue) }
    }

    /// One metadata value of this logger.
    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the message as one line (one `write`, so lines from several threads never interleave).
    package func log(event: LogEvent) {
        guard event.level.rank >= Int(Self.threshold.load(ordering: .relaxed)) else { return }
        if let terminal { return terminal.writeAbove(line(for: event)) }
        let bytes = Array(line(for: event).utf8)
        // When stderr is gone there is nothing to tell anyone.
        bytes.withUnsafeBytes { buffer in try? SystemCalls.writeAll(STDERR_FILENO, buffer) }
    }

    /// The line `event` becomes, with its newline: `<6>message key=value` for journald, else
    /// `2026-11-22T02:33:01Z info: message key=value`.
    func line(for event: LogEvent) -> String {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        var text = journal ? "<\(event.level.syslogPriority)>" : "\(Self.timestamp()) \(event.level.rawValue): "
        text += "\(event.message)".replacing("\n", with: " ")
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(Self.render(value))"
        }
        return text + "\n"
    }

    /// A metadata value, quoted when it has spaces.
    static func render(_ value: Logger.Metadata.Value) -> String {
        let text = "\(value)"
        return text.contains(" ") || text.isEmpty ? "\"" + text.replacing("\"", with: "\\\"") + "\"" : text
    }

    /// Now in UTC, `2026-11-22T02:33:01Z`.
    static func timestamp() -> String {
        CalendarText.text(Int64(time(nil)), local: false, between: "T") + "Z"
    }
}

extension Logger.Level {
    /// Order from trace (0) to critical (6).
    var rank: Int { Logger.Level.allCases.firstIndex(of: self)! }

    /// The syslog priority journald reads from a `<N>` prefix.
    var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
