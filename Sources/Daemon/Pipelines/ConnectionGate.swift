import Synchronization

/// Lets one worker of a ``PostgresPipelineGroup`` probe a database that cannot be reached while the others wait
/// for it, so that a group makes no more connection attempts than one pipeline does.
final class ConnectionGate: Sendable {
    /// The worker probing, or nil while the database is reachable.
    private let prober = Mutex<Int?>(nil)

    /// Whether `worker` may try to connect now: yes unless another worker is probing.
    func mayAttempt(_ worker: Int) -> Bool { prober.withLock { $0 == nil || $0 == worker } }

    /// `worker` could not connect: it probes until it succeeds.
    func failed(_ worker: Int) { prober.withLock { if $0 == nil { $0 = worker } } }

    /// `worker` connected: everyone may connect again.
    func succeeded(_ worker: Int) { prober.withLock { if $0 == worker { $0 = nil } } }
}
