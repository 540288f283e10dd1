import Compute
import Glibc
import Synchronization

/// Runs blocking `body` on a new thread and suspends the caller until it returns: CPU work and blocking I/O never
/// occupy the cooperative pool.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    let thread = Mutex<BackgroundThread?>(nil)
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        thread.withLock { $0 = BackgroundThread { continuation.resume(returning: body()) } }
    }
    thread.withLock { $0?.join() }  // The thread has handed over its result: it ends at once.
    return result
}

/// Sleeps `duration` in slices of at most 100 ms, beating `heartbeat` and returning early once `stop` is raised.
func pause(_ duration: Duration, beating heartbeat: Heartbeat?, until stop: StopSignal) {
    let end = ContinuousClock.now + duration
    while !stop.isStopped {
        heartbeat?.beat()
        let left = ContinuousClock.now.duration(to: end)
        guard left > .zero else { return }
        let (seconds, attoseconds) = min(left, .milliseconds(100)).components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        _ = nanosleep(&request, nil)
    }
}
