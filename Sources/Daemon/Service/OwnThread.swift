import Glibc

/// Runs blocking `body` on a new detached thread and suspends the caller until it returns: CPU work and blocking
/// I/O never occupy the cooperative pool.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        let job = Unmanaged.passRetained(Job { continuation.resume(returning: body()) }).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                job.run()
                return nil
            }, job)
        precondition(rc == 0, "onOwnThread: pthread_create failed with error \(rc)")
        pthread_detach(thread)
    }
}

/// A closure handed to a new thread.
private final class Job {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
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
