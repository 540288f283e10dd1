import Testing

@testable import Daemon

/// ``LogThrottle`` with an injected clock: the first of each message is written, repeats at most once per interval
/// with the count held back, another message at once, and a reset topic starts over.
@Suite struct LogThrottleTests {
    /// An arbitrary starting instant; every call passes an offset from it.
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .seconds(seconds) }

    @Test("a message repeated every second for 13 minutes is written 3 times (at 0, 5 and 10 min)")
    func repeatedMessage() {
        var throttle = LogThrottle(interval: .seconds(300))
        var written: [(second: Int, held: Int)] = []
        for second in 0..<780 {
            if case .write(let held) = throttle.admit("source busy", topic: "busy", at: at(Double(second))) {
                written.append((second, held))
            }
        }
        #expect(written.map(\.second) == [0, 300, 600])
        #expect(written.map(\.held) == [0, 299, 299])
    }

    @Test("another message of the topic is written at once; each message keeps its own interval")
    func otherMessage() {
        var throttle = LogThrottle(interval: .seconds(300))
        #expect(throttle.admit("connection refused", topic: "connect", at: at(0)) == .write(held: 0))
        #expect(throttle.admit("connection refused", topic: "connect", at: at(1)) == .hold)
        #expect(throttle.admit("too many clients", topic: "connect", at: at(2)) == .write(held: 0))
        #expect(throttle.admit("too many clients", topic: "connect", at: at(3)) == .hold)
        #expect(throttle.admit("connection refused", topic: "connect", at: at(299.9)) == .hold)
        #expect(throttle.admit("connection refused", topic: "connect", at: at(300)) == .write(held: 2))
        #expect(throttle.admit("connection refused", topic: "listen", at: at(300)) == .write(held: 0))
    }

    @Test("reset ends a topic's condition: its next message is written at once, other topics stay held")
    func reset() {
        var throttle = LogThrottle(interval: .seconds(300))
        #expect(throttle.admit("source busy", topic: "busy", at: at(0)) == .write(held: 0))
        #expect(throttle.admit("refused", topic: "connect", at: at(0)) == .write(held: 0))
        #expect(throttle.admit("source busy", topic: "busy", at: at(10)) == .hold)
        throttle.reset("busy")
        #expect(throttle.admit("source busy", topic: "busy", at: at(11)) == .write(held: 0))
        #expect(throttle.admit("refused", topic: "connect", at: at(12)) == .hold)
    }

    @Test("a message that stopped long ago is written fresh, without an old count")
    func forgetsOldCounts() {
        var throttle = LogThrottle(interval: .seconds(300))
        #expect(throttle.admit("refused", topic: "connect", at: at(0)) == .write(held: 0))
        #expect(throttle.admit("refused", topic: "connect", at: at(5)) == .hold)
        #expect(throttle.admit("other", topic: "connect", at: at(1300)) == .write(held: 0))
        #expect(throttle.admit("refused", topic: "connect", at: at(1301)) == .write(held: 0))
    }
}
