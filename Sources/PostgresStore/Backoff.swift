import Compute

/// Capped exponential backoff with full jitter: attempt n waits a uniformly random time in
/// [0, min(cap, base · 2ⁿ)], so that many clients reconnecting at once spread out instead of hammering the server.
package struct Backoff: Sendable {
    /// The ceiling of the first wait.
    package let base: Duration
    /// The largest wait.
    package let cap: Duration
    /// Failed attempts so far.
    package private(set) var attempts = 0
    private var generator: SeededGenerator

    /// A backoff starting at `base`, capped at `cap`; `seed` fixes the jitter (tests).
    package init(
        base: Duration = .milliseconds(100), cap: Duration = .seconds(5), seed: UInt64 = .random(in: 1...UInt64.max)
    ) {
        precondition(base > .zero && cap >= base, "Backoff: need 0 < base ≤ cap")
        self.base = base
        self.cap = cap
        generator = SeededGenerator(seed: seed)
    }

    /// The ceiling of the next wait: min(cap, base · 2^attempts).
    package var ceiling: Duration {
        let doublings = min(attempts, 40)
        let scaled = base * Double(UInt64(1) << UInt64(doublings))
        return min(cap, scaled)
    }

    /// Records a failure and returns how long to wait before the next attempt.
    package mutating func nextDelay() -> Duration {
        let limit = ceiling
        attempts += 1
        return limit * Double.random(in: 0..<1, using: &generator)
    }

    /// Forgets past failures after a success.
    package mutating func reset() { attempts = 0 }
}
