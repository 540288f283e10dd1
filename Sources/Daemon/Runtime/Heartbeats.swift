import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One worker's proof of progress: the monotonic time of its last beat.
package final class Heartbeat: Sendable {
    /// The worker's name, for the log when it goes stale.
    package let name: String
    private let last = Atomic<Int64>(Heartbeat.now())

    init(name: String) { self.name = name }

    /// Records progress now.
    package func beat() { last.store(Self.now(), ordering: .relaxed) }

    /// Nanoseconds since the last beat.
    func age(at now: Int64) -> Int64 { now - last.load(ordering: .relaxed) }

    /// Nanoseconds on `CLOCK_MONOTONIC`.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}

/// Every worker's heartbeat. The watchdog ping goes out only while all are fresh, so a wedged loop (ingest,
/// write or training) stops the pings and systemd restarts the daemon.
package final class Heartbeats: Sendable {
    private let all = Mutex<[Heartbeat]>([])

    /// No workers yet.
    package init() {}

    /// A new heartbeat for a worker, fresh now.
    package func register(_ name: String) -> Heartbeat {
        let heartbeat = Heartbeat(name: name)
        all.withLock { $0.append(heartbeat) }
        return heartbeat
    }

    /// Stops watching `heartbeat` (its worker ended normally).
    package func remove(_ heartbeat: Heartbeat) {
        all.withLock { $0.removeAll { $0 === heartbeat } }
    }

    /// The workers whose last beat is older than `limit`; empty when all are fresh.
    package func stale(olderThan limit: Duration) -> [String] {
        let (seconds, attoseconds) = limit.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        let now = Heartbeat.now()
        return all.withLock { $0.filter { $0.age(at: now) > nanoseconds }.map(\.name) }
    }
}
