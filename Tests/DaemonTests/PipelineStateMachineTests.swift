import Daemon
import PostgresStore
import Testing

/// ``PipelineStateMachine``: every transition of the pipeline's connection, backoff and LISTEN state, checked by
/// the steps it returns, without a server, threads or a clock.
@Suite("Pipeline state machine")
struct PipelineStateMachineTests {
    private static let base = Duration.milliseconds(100)
    private static let cap = Duration.seconds(1)
    private static let poll = Duration.seconds(1)
    private static let refused = PostgresError(.connectFailed, message: "connection refused")
    private static let lost = PostgresError(.connectionLost, message: "server closed the connection unexpectedly")
    private static let deadlock = PostgresError(.statement, sqlState: SQLState("40P01"), message: "deadlock detected")
    private static let badColumn = PostgresError(.configuration, message: "column cpu does not exist")
    private static let busy = PostgresError(.busy, message: "another daemon holds the source")

    /// A machine whose three backoffs are seeded 1, 2 and 3.
    private static func machine(listens: Bool = false) -> PipelineStateMachine {
        PipelineStateMachine(
            backoff: backoff(seed: 1), retryBackoff: backoff(seed: 2), listenerBackoff: backoff(seed: 3),
            pollInterval: poll, listens: listens)
    }

    /// A backoff like the machine's, seeded `seed`: its delays are the machine's.
    private static func backoff(seed: UInt64) -> Backoff { Backoff(base: base, cap: cap, seed: seed) }

    /// A machine connected, in a transaction.
    private static func inBatch(listens: Bool = false) -> PipelineStateMachine {
        var machine = machine(listens: listens)
        #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
        machine.connected()
        return machine
    }

    /// The wait and the `.waitingForDatabase` attempt of a ``PipelineStateMachine/Recovery/reconnect(after:event:)``.
    private static func reconnect(_ recovery: PipelineStateMachine.Recovery) -> (delay: Duration, attempt: Int)? {
        guard case .reconnect(let delay, .waitingForDatabase(let attempt, _, let retryIn)) = recovery,
            retryIn == delay
        else { return nil }
        return (delay, attempt)
    }

    /// The wait and the `.retrying` attempt of a ``PipelineStateMachine/Recovery/retry(after:event:)``.
    private static func retry(_ recovery: PipelineStateMachine.Recovery) -> (delay: Duration, attempt: Int)? {
        guard case .retry(let delay, .retrying(let attempt, _, let retryIn)) = recovery, retryIn == delay else {
            return nil
        }
        return (delay, attempt)
    }

    // MARK: - Connecting

    @Test("connected() tells a reconnect (for vaewatch_database_reconnects_total) from the first connect")
    func connectedTellsAReconnect() {
        var machine = Self.machine()
        #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
        #expect(machine.connected() == false, "the first connect")
        #expect(Self.reconnect(machine.failed(Self.lost)) != nil)
        #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
        #expect(machine.connected() == true, "after the lost connection")
    }

    @Test("a refused connect backs off doubling up to the cap, with the backoff's own jitter")
    func refusedConnectBacksOff() throws {
        var machine = Self.machine()
        var twin = Self.backoff(seed: 1)
        for attempt in 1...8 {
            let ceiling = twin.ceiling
            #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
            let (delay, reported) = try #require(Self.reconnect(machine.failed(Self.refused)))
            #expect(delay == twin.nextDelay() && reported == attempt)
            #expect(delay <= ceiling && ceiling == min(Self.cap, Self.base * (1 << (attempt - 1))))
        }
    }

    @Test("a connection that opens and fails before a commit does not reset the backoff")
    func openIsNotSuccess() throws {
        var machine = Self.machine()
        for attempt in 1...2 {
            #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
            #expect(try #require(Self.reconnect(machine.failed(Self.refused))).attempt == attempt)
        }
        #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
        machine.connected()
        #expect(try #require(Self.reconnect(machine.failed(Self.lost))).attempt == 3)
        #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect, "a lost connection is reopened")
    }

    @Test("while another worker probes, the gate is asked and the turn waits; a connected pipeline never asks")
    func gate() {
        var machine = Self.machine()
        var asked = 0
        #expect(
            machine.nextAttempt(connectionOpen: false) {
                asked += 1; return false
            } == .waitForGate(.milliseconds(50)))
        #expect(
            machine.nextAttempt(connectionOpen: false) {
                asked += 1; return true
            } == .connect)
        machine.connected()
        _ = machine.committed()
        #expect(
            machine.nextAttempt(connectionOpen: true) {
                asked += 1; return false
            } == .runBatch)
        #expect(asked == 2)
    }

    @Test("a connection closed under the pipeline (a failed ROLLBACK) is reopened at once, past the gate")
    func closedUnderThePipeline() throws {
        var machine = Self.inBatch()
        #expect(try #require(Self.retry(machine.failed(Self.deadlock))).attempt == 1)
        #expect(
            machine.nextAttempt(connectionOpen: false) {
                Issue.record("the gate was asked"); return false
            } == .connect)
        machine.connected()
        #expect(try #require(Self.reconnect(machine.failed(Self.lost))).attempt == 1, "no connection backoff spent")
    }

    // MARK: - Transactions

    @Test("a commit resets both backoffs; so does an empty claim")
    func commitResets() throws {
        for empty in [false, true] {
            var machine = Self.machine()
            #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
            _ = try #require(Self.reconnect(machine.failed(Self.refused)))
            #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
            machine.connected()
            _ = try #require(Self.retry(machine.failed(Self.deadlock)))
            #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
            #expect(try #require(Self.retry(machine.failed(Self.deadlock))).attempt == 2)
            #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
            let now = ContinuousClock.now
            if empty {
                machine.caughtUp(at: now)
                #expect(machine.nextWait(at: now + Self.poll, listenerOpen: false) == .done)
            } else {
                #expect(machine.committed() == .none)
            }
            #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
            #expect(try #require(Self.retry(machine.failed(Self.deadlock))).attempt == 1)
            #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
            #expect(try #require(Self.reconnect(machine.failed(Self.lost))).attempt == 1)
        }
    }

    @Test("a transient conflict is retried on the same connection after the retry backoff, which doubles")
    func transientConflict() throws {
        var machine = Self.inBatch()
        var twin = Self.backoff(seed: 2)
        for attempt in 1...4 {
            let ceiling = twin.ceiling
            let (delay, reported) = try #require(Self.retry(machine.failed(Self.deadlock)))
            #expect(delay == twin.nextDelay() && delay <= ceiling && reported == attempt)
            #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
        }
        #expect(try #require(Self.reconnect(machine.failed(Self.lost))).attempt == 1, "the connection backoff is apart")
    }

    @Test("a configuration error before the source was ever set up stops the pipeline; after, it is retried")
    func configurationError() throws {
        var first = Self.machine()
        #expect(first.nextAttempt(connectionOpen: false) { true } == .connect)
        guard case .stop(let error) = first.failed(Self.badColumn) else {
            Issue.record("not a stop")
            return
        }
        #expect(error.message == Self.badColumn.message)

        var machine = Self.inBatch()
        _ = try #require(Self.reconnect(machine.failed(Self.lost)))
        #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
        #expect(try #require(Self.retry(machine.failed(Self.badColumn))).attempt == 1)
        #expect(
            machine.nextAttempt(connectionOpen: false) { false } == .waitForGate(.milliseconds(50)),
            "a failed set-up leaves no connection")
    }

    @Test("a busy source is a standby: no connection, the poll interval, no backoff")
    func busySource() throws {
        var machine = Self.machine()
        for _ in 1...3 {
            #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
            guard case .standBy(let pause, .sourceBusy) = machine.failed(Self.busy) else {
                Issue.record("not a standby")
                return
            }
            #expect(pause == Self.poll)
        }
        #expect(machine.nextAttempt(connectionOpen: false) { true } == .connect)
        #expect(try #require(Self.reconnect(machine.failed(Self.refused))).attempt == 1)
    }

    // MARK: - Waiting for rows

    @Test("caught up without LISTEN: sleep the poll interval, then claim again")
    func pollWithoutListen() {
        var machine = Self.inBatch()
        let now = ContinuousClock.now
        machine.caughtUp(at: now)
        #expect(machine.nextWait(at: now, listenerOpen: false) == .sleep(Self.poll))
        #expect(machine.nextWait(at: now + .milliseconds(400), listenerOpen: false) == .sleep(.milliseconds(600)))
        #expect(machine.nextWait(at: now + Self.poll, listenerOpen: false) == .done)
        #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
    }

    @Test("caught up with LISTEN: open the listener and poll at once; then listen in slices until notified")
    func listen() {
        var machine = Self.inBatch(listens: true)
        let now = ContinuousClock.now
        machine.caughtUp(at: now)
        #expect(machine.nextWait(at: now, listenerOpen: false) == .openListener)
        machine.listenerOpened()
        #expect(machine.nextWait(at: now, listenerOpen: true) == .done, "rows from before LISTEN: poll first")
        #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
        machine.caughtUp(at: now)
        #expect(machine.nextWait(at: now, listenerOpen: true) == .listen(upTo: .milliseconds(100)))
        machine.notified(aboutSource: false)
        let late = now + .milliseconds(950)
        #expect(machine.nextWait(at: late, listenerOpen: true) == .listen(upTo: .milliseconds(50)))
        machine.notified(aboutSource: true)
        #expect(machine.nextWait(at: late, listenerOpen: true) == .done)
        #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
        machine.caughtUp(at: now)
        #expect(machine.nextWait(at: now + Self.poll, listenerOpen: true) == .done, "the poll interval is up")
        #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
        #expect(machine.committed() == .drainListener, "an open listener is drained after a commit")
    }

    @Test("a LISTEN that cannot be opened: reported, polled meanwhile, retried after its own backoff")
    func listenerFails() throws {
        var machine = Self.inBatch(listens: true)
        var twin = Self.backoff(seed: 3)
        let failure = PostgresError(.connectFailed, message: "too many clients")
        let start = ContinuousClock.now
        var now = start
        machine.caughtUp(at: start)
        for attempt in 1...3 {
            #expect(machine.nextWait(at: now, listenerOpen: false) == .openListener)
            let ceiling = twin.ceiling
            let (event, pause) = machine.listenerFailed(failure, at: now)
            guard case .listenerFailed(let reported, _, let retryIn) = event else {
                Issue.record("not a listenerFailed event")
                return
            }
            #expect(reported == attempt && retryIn == twin.nextDelay() && retryIn <= ceiling)
            #expect(pause == .milliseconds(100))
            #expect(machine.listener == .closed(retryAt: now + retryIn))
            if retryIn > .zero {
                #expect(machine.nextWait(at: now, listenerOpen: false) == .sleep(.milliseconds(100)), "polling")
            }
            now += retryIn
        }
        #expect(machine.nextWait(at: start + Self.poll, listenerOpen: false) == .done, "the poll interval is up")
        #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
        #expect(try #require(Self.retry(machine.failed(Self.deadlock))).attempt == 1, "the retry backoff is apart")
        #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
        machine.caughtUp(at: now)
        #expect(machine.nextWait(at: now, listenerOpen: false) == .openListener)
        machine.listenerOpened()
        #expect(machine.listener == .open)
        _ = machine.nextWait(at: now, listenerOpen: true)
        #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
        machine.caughtUp(at: now)
        #expect(machine.nextWait(at: now, listenerOpen: true) == .listen(upTo: .milliseconds(100)))
        machine.listenerBroke(at: now)
        guard case .closed(let retryAt?) = machine.listener else {
            Issue.record("a broken listener is not closed with a retry time")
            return
        }
        #expect(now.duration(to: retryAt) <= Self.base, "an open listener started its backoff over")
    }

    @Test("a broken listener ends the wait (poll now) and is reopened after its backoff, with no event")
    func listenerBreaks() {
        var machine = Self.inBatch(listens: true)
        var twin = Self.backoff(seed: 3)
        let now = ContinuousClock.now
        machine.caughtUp(at: now)
        #expect(machine.nextWait(at: now, listenerOpen: false) == .openListener)
        machine.listenerOpened()
        _ = machine.nextWait(at: now, listenerOpen: true)
        #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
        machine.caughtUp(at: now)
        #expect(machine.nextWait(at: now, listenerOpen: true) == .listen(upTo: .milliseconds(100)))
        machine.listenerBroke(at: now)
        let retryAt = now + twin.nextDelay()
        #expect(machine.listener == .closed(retryAt: retryAt))
        #expect(machine.nextWait(at: now, listenerOpen: false) == .done)
        #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
        machine.caughtUp(at: retryAt)
        #expect(machine.nextWait(at: retryAt, listenerOpen: false) == .openListener)
    }

    @Test("a listener lost while draining, or found closed, is reopened at the next wait without backoff")
    func listenerLostWhileDraining() {
        for drained in [true, false] {
            var machine = Self.inBatch(listens: true)
            let now = ContinuousClock.now
            machine.caughtUp(at: now)
            #expect(machine.nextWait(at: now, listenerOpen: false) == .openListener)
            machine.listenerOpened()
            _ = machine.nextWait(at: now, listenerOpen: true)
            #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
            #expect(machine.committed() == .drainListener)
            if drained {
                machine.drainFailed()
                #expect(machine.listener == .closed(retryAt: nil))
            }
            #expect(machine.nextAttempt(connectionOpen: true) { true } == .runBatch)
            machine.caughtUp(at: now)
            #expect(machine.nextWait(at: now, listenerOpen: false) == .openListener)
        }
    }

    @Test("without a listener, a commit has nothing to drain")
    func nothingToDrain() {
        var machine = Self.inBatch(listens: true)
        #expect(machine.committed() == .none)
    }
}
