import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Which way bytes go through a ``FaultProxy`` link.
enum Direction: Sendable {
    case toServer, toClient
}

/// Chunks read but not yet due, for a delayed direction.
final class DelayQueue: Sendable {
    private let chunks = Mutex<(items: [(due: ContinuousClock.Instant, bytes: [UInt8])], closed: Bool)>(([], false))

    func push(_ bytes: [UInt8], due: ContinuousClock.Instant) { chunks.withLock { $0.items.append((due, bytes)) } }
    func close() { chunks.withLock { $0.closed = true } }

    /// The next chunk once due; nil when the queue is closed and empty.
    func pop() -> [UInt8]? {
        while true {
            let next = chunks.withLock {
                state -> (item: (due: ContinuousClock.Instant, bytes: [UInt8])?, closed: Bool) in
                (state.items.first, state.closed)
            }
            guard let item = next.item else {
                if next.closed { return nil }
                usleep(1_000)
                continue
            }
            let now = ContinuousClock.now
            if item.due > now {
                let (seconds, attoseconds) = (item.due - now).components
                usleep(useconds_t(min(seconds * 1_000_000 + attoseconds / 1_000_000_000_000, 5_000)))
                continue
            }
            chunks.withLock { _ = $0.items.removeFirst() }
            return item.bytes
        }
    }
}
