#if canImport(Glibc)
    import Glibc
#endif

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
public func eventually(within timeout: Duration, _ condition: () throws -> Bool) rethrows -> Bool {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try condition() { return true }
        pauseThread(.milliseconds(20))
    }
    return try condition()
}

/// Blocks the calling thread for `duration` (pacing, never an assertion).
public func pauseThread(_ duration: Duration) {
    guard duration > .zero else { return }
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
