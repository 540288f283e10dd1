import Glibc
import Synchronization
internal import SystemIO

/// Faults the tests inject through `$VAEWATCH_FAULT`, honoured only in debug builds: a release build ignores the
/// variable (``fromEnvironment(_:)`` returns nil), so no production daemon can be wedged by its environment.
///
/// - `hang_ingest`: the ingest loop stops making progress after its first batch (the watchdog must stop).
/// - `hang_training`: a retrain stops making progress after its first epoch.
/// - `slow_start=SECONDS`: start-up takes that long before READY, as if loading a huge model.
package struct FaultHook: Sendable, Equatable {
    /// Which fault.
    package enum Kind: Sendable, Equatable {
        case hangIngest
        case hangTraining
        case slowStart(seconds: Double)
    }

    /// The fault.
    package let kind: Kind

    /// The fault `$VAEWATCH_FAULT` names, in a debug build; nil otherwise or when it names none.
    package static func fromEnvironment(_ environment: [String: String]) -> FaultHook? {
        #if DEBUG
            guard let value = environment["VAEWATCH_FAULT"] else { return nil }
            if value == "hang_ingest" { return FaultHook(kind: .hangIngest) }
            if value == "hang_training" { return FaultHook(kind: .hangTraining) }
            if value.hasPrefix("slow_start="), let seconds = Double(value.dropFirst("slow_start=".count)) {
                return FaultHook(kind: .slowStart(seconds: seconds))
            }
            return nil
        #else
            return nil
        #endif
    }

    /// Called at each turn of an ingest loop: with `hang_ingest`, the second turn announces the hang on stderr
    /// and never returns.
    func ingestIteration() {
        guard kind == .hangIngest else { return }
        Self.turns.withLock { turns in turns += 1 }
        guard Self.turns.withLock({ $0 }) >= 2 else { return }
        hang("ingest")
    }

    /// Called after each training epoch: with `hang_training`, never returns.
    func trainingEpoch() {
        guard kind == .hangTraining else { return }
        hang("training")
    }

    /// Writes `fault: <what> hangs now` to stderr and sleeps forever.
    private func hang(_ what: String) -> Never {
        let line = Array("fault: \(what) hangs now\n".utf8)
        line.withUnsafeBytes { buffer in try? SystemCalls.writeAll(STDERR_FILENO, buffer) }
        while true { sleep(3600) }
    }

    private static let turns = Mutex<Int>(0)
}
