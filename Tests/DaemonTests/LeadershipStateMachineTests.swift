import Daemon
import PostgresStore
import Testing

/// The trainer lock's state machine, driven by hand: no server, no thread, no clock.
@Suite("LeadershipStateMachine")
struct LeadershipStateMachineTests {
    static let start = ContinuousClock.now
    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    static func machine() -> LeadershipStateMachine {
        LeadershipStateMachine(
            pollInterval: .seconds(1), backoff: Backoff(base: .milliseconds(100), cap: .seconds(2), seed: 3),
            now: at(0))
    }

    @Test("connect, ask, follow, ask again every poll interval, lead once the lock is free")
    func followerThenLeader() {
        var machine = Self.machine()
        #expect(machine.role == nil)
        #expect(machine.next(at: Self.at(0)) == .connect)
        machine.connected(at: Self.at(5))
        #expect(machine.next(at: Self.at(5)) == .check)
        #expect(machine.checked(holdsLock: false, at: Self.at(10)) == .becameFollower)
        #expect(machine.role == .follower)
        #expect(machine.next(at: Self.at(10)) == .listen(upTo: .seconds(1)))
        #expect(machine.next(at: Self.at(600)) == .listen(upTo: .milliseconds(410)))
        #expect(machine.next(at: Self.at(1010)) == .check)
        #expect(machine.checked(holdsLock: false, at: Self.at(1012)) == nil, "still a follower: no change")
        #expect(machine.checked(holdsLock: true, at: Self.at(2020)) == .becameLeader)
        #expect(machine.role == .leader)
        #expect(machine.checked(holdsLock: true, at: Self.at(3030)) == nil, "a leader's check that succeeds")
    }

    @Test("a leader whose connection is lost is a follower at once, and reconnects with backoff")
    func losingTheConnection() {
        var machine = Self.machine()
        machine.connected(at: Self.at(0))
        _ = machine.checked(holdsLock: true, at: Self.at(1))
        #expect(machine.connectionFailed(at: Self.at(500)) == .becameFollower)
        #expect(machine.role == .follower)
        var reference = Backoff(base: .milliseconds(100), cap: .seconds(2), seed: 3)
        let first = reference.nextDelay()
        #expect(machine.next(at: Self.at(500)) == (first > .zero ? .sleep(first) : .connect))
        #expect(machine.next(at: Self.at(500) + first) == .connect)
        // Failures in a row back off doubling; an open connection resets the backoff.
        #expect(machine.connectionFailed(at: Self.at(3000)) == nil, "a follower stays one")
        let second = reference.nextDelay()
        #expect(machine.next(at: Self.at(3000)) == (second > .zero ? .sleep(second) : .connect))
        machine.connected(at: Self.at(6000))
        #expect(machine.next(at: Self.at(6000)) == .check)
        #expect(machine.checked(holdsLock: true, at: Self.at(6001)) == .becameLeader)
        #expect(machine.connectionFailed(at: Self.at(7000)) == .becameFollower)
        switch machine.next(at: Self.at(7000)) {
        case .sleep(let delay): #expect(delay < .milliseconds(100), "the connection reset the backoff: \(delay)")
        case let other: #expect(other == .connect)
        }
    }
}
