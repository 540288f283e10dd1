internal import Glibc

/// Waiting for input, and the clock that times the wait.
extension SystemCalls {
    /// `poll(2)` for readability of one descriptor; true when it is readable (or at end or in error, which
    /// the next read reports), false when `milliseconds` passed first.
    package static func waitReadable(_ descriptor: CInt, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = Glibc.poll(&entry, 1, milliseconds)
            if ready >= 0 { return ready > 0 }
            if Glibc.errno != EINTR { return true }
        }
    }

    /// `clock_gettime(2)` of `CLOCK_MONOTONIC`, in seconds.
    package static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}
