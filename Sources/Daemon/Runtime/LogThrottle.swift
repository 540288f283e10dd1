/// Decides which of a stream of repeated log messages to write: a message is written the first time, then at most
/// once per ``interval`` while it repeats, saying how many were held back meanwhile; another message of the same
/// topic is written at once. ``reset(_:)`` ends a topic's condition (a connection opened, a lock taken), so the next
/// message of it is written at once. Pure: the caller gives the time, so tests need no clock and no threads.
struct LogThrottle: Sendable {
    /// What to do with one message.
    enum Decision: Sendable, Equatable {
        /// Write it; `held` identical messages were held back since the last one written.
        case write(held: Int)
        /// Hold it back: the same message was written less than an interval ago.
        case hold
    }

    /// The shortest time between two writes of one message.
    let interval: Duration
    private var entries: [Key: Entry] = [:]

    private struct Key: Hashable {
        var topic: String
        var message: String
    }

    private struct Entry {
        var written: ContinuousClock.Instant
        var held: Int
    }

    /// A throttle writing each message at most once per `interval` (five minutes by default).
    init(interval: Duration = .seconds(300)) {
        self.interval = interval
    }

    /// Whether to write `message` of `topic` at `now`.
    mutating func admit(_ message: String, topic: String, at now: ContinuousClock.Instant) -> Decision {
        // Entries whose interval has passed with nothing held back decide nothing any more; the others keep their
        // count until the message comes again (or for a few intervals).
        entries = entries.filter { _, entry in
            let age = entry.written.duration(to: now)
            return age < interval || (entry.held > 0 && age < interval * 4)
        }
        let key = Key(topic: topic, message: message)
        if var entry = entries[key], entry.written.duration(to: now) < interval {
            entry.held += 1
            entries[key] = entry
            return .hold
        }
        let held = entries[key]?.held ?? 0
        entries[key] = Entry(written: now, held: 0)
        return .write(held: held)
    }

    /// The condition behind `topic` has ended: its next message is written at once.
    mutating func reset(_ topic: String) {
        entries = entries.filter { $0.key.topic != topic }
    }
}
