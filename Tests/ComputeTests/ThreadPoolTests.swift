import Compute
import Synchronization
import Testing

@Suite("Thread pool")
struct ThreadPoolTests {
    @Test("every worker index runs exactly once per job, many jobs in a row", arguments: [1, 2, 3, 5])
    func everyWorkerOnce(threads: Int) {
        let pool = ThreadPool(threadCount: threads)
        #expect(pool.threadCount == threads)
        for job in 0..<500 {
            var hits = [Int](repeating: 0, count: threads)
            hits.withUnsafeMutableBufferPointer { h in
                pool.run { worker in h[worker] += job + 1 }
            }
            #expect(hits == [Int](repeating: job + 1, count: threads))
        }
    }

    @Test("parallelFor covers the range once in contiguous chunks")
    func parallelFor() {
        let pool = ThreadPool(threadCount: 3)
        for count in [0, 1, 2, 3, 10, 1001] {
            var seen = [Int](repeating: 0, count: count)
            seen.withUnsafeMutableBufferPointer { s in
                pool.parallelFor(count) { range, _ in
                    for i in range { s[i] += 1 }
                }
            }
            #expect(seen.allSatisfy { $0 == 1 }, "count \(count)")
        }
        #expect(ThreadPool.chunk(0, of: 3, count: 10) == 0..<4)
        #expect(ThreadPool.chunk(2, of: 3, count: 10) == 7..<10)
    }

    @Test("concurrent callers are serialized, and an idle pool wakes up again")
    func concurrentCallers() async {
        let pool = ThreadPool(threadCount: 2)
        let total = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<100 {
                        pool.run { _ in total.value.add(1, ordering: .relaxed) }
                    }
                }
            }
        }
        #expect(total.value.load(ordering: .relaxed) == 4 * 100 * 2)
        try? await Task.sleep(for: .milliseconds(50))  // let the workers fall asleep
        var ran = [false, false]
        ran.withUnsafeMutableBufferPointer { r in pool.run { r[$0] = true } }
        #expect(ran == [true, true])
    }

    @Test("the default size is the number of online CPUs")
    func defaultSize() {
        #expect(ThreadPool().threadCount == ThreadPool.availableCores)
        #expect(ThreadPool.blasThreadCount == 1, "BLAS's own threading must be off once a pool exists")
        #expect(ThreadPool.availableCores >= 1)
    }
}

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
