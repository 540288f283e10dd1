import Compute
import Synchronization
import Testing

/// A computation on a thread of its own.
@Suite("BackgroundThread")
struct BackgroundThreadTests {
    @Test("runs its body on another thread; join waits for it, and a second join returns at once")
    func runsAndJoins() {
        let result = Mutex<Int>(0)
        let thread = BackgroundThread {
            var sum = 0
            for value in 1...10_000 { sum += value }
            result.withLock { $0 = sum }
        }
        thread.join()
        #expect(result.withLock { $0 } == 50_005_000)
        thread.join()
    }
}
