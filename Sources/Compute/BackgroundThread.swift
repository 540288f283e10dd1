import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one long computation (a retrain) on a thread of its own, outside Swift's cooperative pool, so that it
/// can use a ``ThreadPool`` and block without starving async tasks.
public final class BackgroundThread: @unchecked Sendable {
    // @unchecked Sendable: `thread` is written once in init, before any other thread sees the object, and
    // read only by `join()`, which the owner calls once; `joined` is guarded by `lock`.
    private var thread = pthread_t()
    private let lock = Mutex<Bool>(false)

    /// Starts `body` on a new thread now.
    public init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body()
                return nil
            }, box)
        precondition(rc == 0, "BackgroundThread: pthread_create failed with error \(rc)")
    }

    /// Waits until `body` has returned. Call it once, from the thread that started it; deinit joins too.
    public func join() {
        let first = lock.withLock { joined -> Bool in
            defer { joined = true }
            return !joined
        }
        if first { pthread_join(thread, nil) }
    }

    deinit { join() }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
