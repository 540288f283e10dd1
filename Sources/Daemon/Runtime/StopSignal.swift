import Synchronization

/// A flag that asks a running loop to stop after the work in hand; set from any thread or task.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A signal not yet raised.
    public init() {}

    /// Asks the loop to stop.
    public func stop() { flag.store(true, ordering: .releasing) }

    /// Whether stop was asked.
    public var isStopped: Bool { flag.load(ordering: .acquiring) }
}
