import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A fixed set of threads that run one data-parallel job at a time: `run { worker in … }` calls the body once
/// on each worker index `0..<threadCount` concurrently (index 0 on the calling thread) and returns when all
/// are done.
///
/// The pool owns the cores: it is how vaewatch spends CPU on training and scoring, never on Swift's
/// cooperative pool, and creating one switches OpenBLAS's own threading off so the two never fight.
/// Workers spin briefly between jobs (a training step follows the last one within microseconds) and then
/// sleep on a condition variable, so an idle pool costs nothing.
///
/// Jobs from different callers are serialized. A body must not call `run` on the same pool.
public final class ThreadPool: @unchecked Sendable {
    // @unchecked Sendable: `shared` is the only state the worker threads touch. Its mutable fields are
    // atomics, fields guarded by `shared.mutex`, or the job closure, which is written only while `jobLock`
    // is held and before `generation` is published with release ordering, and read by workers only after
    // they observe that generation with acquire ordering.

    /// Number of worker indices a job runs on, including the calling thread.
    public let threadCount: Int
    private let shared: Shared
    private var threads: [pthread_t] = []
    private let jobLock = Mutex<Void>(())

    /// Creates a pool of `threadCount` workers (the caller plus `threadCount − 1` threads).
    /// - Parameter threadCount: defaults to ``ThreadPool/availableCores``.
    public init(threadCount: Int = ThreadPool.availableCores) {
        precondition(threadCount >= 1, "ThreadPool: threadCount must be at least 1, got \(threadCount)")
        _ = BLAS.singleThreaded
        self.threadCount = threadCount
        self.shared = Shared(workers: threadCount - 1)
        for index in 1..<threadCount {
            let context = Unmanaged.passRetained(WorkerContext(shared: shared, index: index)).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                    context.shared.workerLoop(index: context.index)
                    return nil
                }, context)
            precondition(rc == 0, "ThreadPool: pthread_create failed with error \(rc)")
            threads.append(thread)
        }
    }

    deinit {
        shared.stop()
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Online CPUs (`sysconf(_SC_NPROCESSORS_ONLN)`), the default pool size.
    public static var availableCores: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `body(worker)` for every worker index in `0..<threadCount` at once and waits for all of them.
    /// Worker 0 is the calling thread. Bodies must write disjoint memory.
    public func run(_ body: (Int) -> Void) {
        jobLock.withLock { _ in
            if threadCount == 1 {
                body(0)
                return
            }
            withoutActuallyEscaping(body) { escapable in
                shared.publish(escapable)
                body(0)
                shared.waitForWorkers()
            }
        }
    }

    /// Splits `0..<count` into `threadCount` contiguous, nearly equal chunks (the same split for the same
    /// count, so work assignment is deterministic) and runs `body(range, worker)` on each non-empty one.
    public func parallelFor(_ count: Int, _ body: (Range<Int>, Int) -> Void) {
        let workers = Swift.min(threadCount, count)
        if workers <= 1 {
            if count > 0 { body(0..<count, 0) }
            return
        }
        run { worker in
            let range = ThreadPool.chunk(worker, of: workers, count: count)
            if !range.isEmpty { body(range, worker) }
        }
    }

    /// The `index`-th of `parts` contiguous chunks of `0..<count`, sizes differing by at most one.
    public static func chunk(_ index: Int, of parts: Int, count: Int) -> Range<Int> {
        guard index < parts else { return count..<count }
        let base = count / parts
        let extra = count % parts
        let start = index * base + Swift.min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }
}

private final class WorkerContext {
    let shared: ThreadPool.Shared
    let index: Int
    init(shared: ThreadPool.Shared, index: Int) {
        self.shared = shared
        self.index = index
    }
}

extension ThreadPool {
    /// State shared between the submitting thread and the workers.
    final class Shared: @unchecked Sendable {
        // @unchecked Sendable: see the comment on ThreadPool; `job` is handed over through the
        // release/acquire pair on `generation`, everything else is atomic or mutex-guarded.
        let workers: Int
        let generation = Atomic<UInt64>(0)
        let remaining = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        nonisolated(unsafe) var job: ((Int) -> Void)?
        let mutex: UnsafeMutablePointer<pthread_mutex_t>
        let wake: UnsafeMutablePointer<pthread_cond_t>
        let done: UnsafeMutablePointer<pthread_cond_t>
        /// How long a waiting thread spins before it sleeps. Long enough to bridge the serial work between
        /// two training steps (a futex wake-up costs tens of microseconds in a VM), short enough that an idle
        /// pool stops burning CPU at once.
        static let spinNanoseconds: UInt64 = 250_000

        init(workers: Int) {
            self.workers = workers
            mutex = .allocate(capacity: 1)
            wake = .allocate(capacity: 1)
            done = .allocate(capacity: 1)
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(wake, nil)
            pthread_cond_init(done, nil)
        }

        deinit {
            pthread_cond_destroy(done)
            pthread_cond_destroy(wake)
            pthread_mutex_destroy(mutex)
            done.deallocate()
            wake.deallocate()
            mutex.deallocate()
        }

        func publish(_ body: @escaping (Int) -> Void) {
            job = body
            remaining.store(workers, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
        }

        func waitForWorkers() {
            if !spin(until: { remaining.load(ordering: .acquiring) == 0 }) {
                pthread_mutex_lock(mutex)
                while remaining.load(ordering: .acquiring) > 0 { pthread_cond_wait(done, mutex) }
                pthread_mutex_unlock(mutex)
            }
            job = nil
        }

        /// Spins until `condition` holds or ``spinNanoseconds`` pass; returns whether it holds. Yields the CPU
        /// between rounds of checks: on a core of its own that returns at once, and when the scheduler has put
        /// two of the pool's threads on one core it lets the other run instead of spinning against it.
        @inline(__always)
        func spin(until condition: () -> Bool) -> Bool {
            let deadline = Shared.monotonicNanoseconds() + Shared.spinNanoseconds
            while true {
                for _ in 0..<64 where condition() { return true }
                if Shared.monotonicNanoseconds() >= deadline { return condition() }
                sched_yield()
            }
        }

        static func monotonicNanoseconds() -> UInt64 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        }

        func stop() {
            stopping.store(true, ordering: .releasing)
            generation.wrappingAdd(1, ordering: .releasing)
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
        }

        func workerLoop(index: Int) {
            var seen: UInt64 = 0
            while true {
                var current = seen
                _ = spin {
                    current = generation.load(ordering: .acquiring)
                    return current != seen
                }
                if current == seen {
                    pthread_mutex_lock(mutex)
                    current = generation.load(ordering: .acquiring)
                    while current == seen {
                        pthread_cond_wait(wake, mutex)
                        current = generation.load(ordering: .acquiring)
                    }
                    pthread_mutex_unlock(mutex)
                }
                seen = current
                if stopping.load(ordering: .acquiring) { return }
                job!(index)
                if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                    pthread_mutex_lock(mutex)
                    pthread_cond_signal(done)
                    pthread_mutex_unlock(mutex)
                }
            }
        }
    }
}
