import Synchronization

/// A flag that asks a running loop to stop after the work in hand; set from any thread or task.
package final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A signal not yet raised.
    package init() {}

    /// Asks the loop to stop.
    package func stop() { flag.store(true, ordering: .releasing) }

    /// Whether stop was asked.
    package var isStopped: Bool { flag.load(ordering: .acquiring) }
}
