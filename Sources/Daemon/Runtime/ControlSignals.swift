import Glibc
import Synchronization

/// Signals a handler caught, one bit per signal number, until ``SignalWaiter`` takes them.
let caughtSignals = Atomic<UInt64>(0)

/// The signals the daemon handles, and how it takes them over.
///
/// `takeOver()` installs a handler for SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 that only records the signal in
/// an atomic bit set, blocks them in the calling thread (threads created later inherit the mask) and ignores
/// SIGPIPE. ``SignalWaiter`` receives them with `sigtimedwait` on a thread of its own and takes what the handler
/// recorded. The handler matters for threads that existed before `takeOver()` and do not block the signals: OpenBLAS
/// starts its threads when the library loads, before `main`, and a signal delivered to one of them would otherwise
/// run the default action and end the process (measured). A signal that arrives before `takeOver()` while the
/// signals were already blocked (as a supervisor may spawn us) stays pending and is received too.
package enum ControlSignals {
    /// The signals the daemon receives through ``SignalWaiter``.
    package static let handled: [CInt] = [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2]

    /// Blocks ``handled`` in the calling thread and ignores SIGPIPE (a closed pipe or socket becomes EPIPE).
    package static func takeOver() {
        _ = caughtSignals.load(ordering: .relaxed)  // Initializes the global before a handler can touch it.
        for signal in handled {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                // Async-signal-safe: one lock-free atomic operation.
                caughtSignals.bitwiseOr(1 << UInt64(signal), ordering: .relaxed)
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
        var set = Self.set()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// The signals the handler caught since the last call, in ``handled``'s order; clears them.
    static func takeCaught() -> [CInt] {
        let bits = caughtSignals.exchange(0, ordering: .relaxed)
        return handled.filter { bits & (1 << UInt64($0)) != 0 }
    }

    /// A signal set of ``handled``.
    static func set() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        return set
    }

    /// The signal's name without "SIG", for logs.
    package static func name(_ signal: CInt) -> String {
        switch signal {
        case SIGTERM: "TERM"
        case SIGINT: "INT"
        case SIGHUP: "HUP"
        case SIGUSR1: "USR1"
        case SIGUSR2: "USR2"
        default: "\(signal)"
        }
    }
}
