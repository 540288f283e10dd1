import Compute
import Glibc

/// Receives the signals ``ControlSignals/takeOver()`` took over, on a thread of its own, with `sigtimedwait` (and
/// from the handler's record): what a signal starts runs here, never in signal context, so it can take locks, log
/// and allocate.
final class SignalWaiter: Sendable {
    private let stopSignal = StopSignal()
    private let thread: BackgroundThread

    /// Starts waiting; `deliver` is called on the waiter's thread for each signal received. Standard signals do
    /// not queue: several of one kind sent before the first is received arrive as one.
    init(deliver: @escaping @Sendable (CInt) -> Void) {
        let stop = stopSignal
        thread = BackgroundThread {
            var set = ControlSignals.set()
            // How often the stop flag and the handler's record are checked.
            var wait = timespec(tv_sec: 0, tv_nsec: 50_000_000)
            while !stop.isStopped {
                let signal = sigtimedwait(&set, nil, &wait)
                if signal > 0 { deliver(signal) }
                for caught in ControlSignals.takeCaught() { deliver(caught) }
            }
        }
    }

    /// Stops waiting and joins the thread (within 0.05 s).
    func stop() {
        stopSignal.stop()
        thread.join()
    }
}
