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
