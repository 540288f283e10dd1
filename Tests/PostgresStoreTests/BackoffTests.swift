import PostgresStore
import Testing

/// Capped exponential backoff with full jitter.
@Suite("PostgresStore: backoff")
struct BackoffTests {
    @Test("ceilings double from base up to the cap; every delay lies in [0, ceiling]; reset starts over")
    func ceilingsAndBounds() {
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(5), seed: 42)
        let expected: [Duration] = [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
            .milliseconds(3200), .seconds(5), .seconds(5), .seconds(5),
        ]
        for (attempt, ceiling) in expected.enumerated() {
            #expect(backoff.attempts == attempt)
            #expect(backoff.ceiling == ceiling)
            let delay = backoff.nextDelay()
            #expect(delay >= .zero && delay <= ceiling, "attempt \(attempt): \(delay) outside [0, \(ceiling)]")
        }
        for _ in 0..<100 { _ = backoff.nextDelay() }
        #expect(backoff.attempts == 109)
        #expect(backoff.ceiling == .seconds(5), "many failures neither overflow nor pass the cap")
        #expect(backoff.nextDelay() <= .seconds(5))
        backoff.reset()
        #expect(backoff.attempts == 0 && backoff.ceiling == .milliseconds(100))
        #expect(backoff.nextDelay() <= .milliseconds(100))
        #expect(Backoff(base: .seconds(1), cap: .seconds(1), seed: 1).ceiling == .seconds(1))
    }

    @Test("a seed fixes the sequence; another seed gives another")
    func seededSequencesRepeat() {
        /// The first 20 delays of a backoff seeded with `seed`.
        func delays(_ seed: UInt64) -> [Duration] {
            var backoff = Backoff(base: .milliseconds(50), cap: .seconds(2), seed: seed)
            return (0..<20).map { _ in backoff.nextDelay() }
        }
        #expect(delays(7) == delays(7))
        #expect(delays(7) != delays(8))
        #expect(Set(delays(7)).count > 15, "the delays vary")
    }

    @Test("full jitter: over many draws the mean is half the ceiling and the range spans it")
    func fullJitter() {
        for (failures, ceiling) in [(0, 0.1), (3, 0.8), (20, 5.0)] {
            var backoff = Backoff(base: .milliseconds(100), cap: .seconds(5), seed: 2024 + UInt64(failures))
            var draws: [Double] = []
            for _ in 0..<10_000 {
                backoff.reset()
                for _ in 0..<failures { _ = backoff.nextDelay() }
                draws.append(seconds(backoff.nextDelay()))
            }
            let mean = draws.reduce(0, +) / Double(draws.count)
            print("backoff after \(failures) failures: ceiling \(ceiling) s, mean of 10,000 draws \(mean) s")
            // The standard error of the mean is ceiling / sqrt(12 · 10,000) ≈ 0.29% of the ceiling.
            #expect(abs(mean - ceiling / 2) < ceiling * 0.02)
            #expect(draws.min()! < ceiling * 0.01 && draws.max()! > ceiling * 0.99)
            #expect(draws.allSatisfy { $0 >= 0 && $0 <= ceiling })
        }
    }
}
