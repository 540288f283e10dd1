import Glibc

/// Sleeps `duration` in slices of at most `slice`, beating `heartbeat` and returning early once `stop` is raised:
/// the one way a loop of the daemon waits.
func pause(
    _ duration: Duration, beating heartbeat: Heartbeat?, until stop: StopSignal, slice: Duration = .milliseconds(100)
) {
    let end = ContinuousClock.now + duration
    while !stop.isStopped {
        heartbeat?.beat()
        let left = ContinuousClock.now.duration(to: end)
        guard left > .zero else { return }
        let (seconds, attoseconds) = min(left, slice).components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        _ = nanosleep(&request, nil)
    }
}
