import PostgresStore

/// What ``PostgresPipeline`` does next, as pure transitions: whether it is connected, its three backoffs (between
/// connection attempts, between retries of a failed transaction, between attempts to reopen the LISTEN
/// connection), the wait for rows after the source ran dry, and the LISTEN connection's state.
///
/// It does no I/O and reads no clock: the pipeline asks it what to do (``nextAttempt(connectionOpen:mayConnect:)``,
/// ``nextWait(at:listenerOpen:)``), does that, and tells it what happened (``connected()``, ``committed()``,
/// ``caughtUp(at:)``, ``failed(_:)``, the listener's events); each answer says what to do next. Time comes in as
/// instants, and the jitter from the backoffs' seeded generators, so every transition is tested without a server.
package struct PipelineStateMachine {
    /// The main connection.
    private enum State {
        /// No connection: the next attempt opens one (when the gate lets it).
        case disconnected
        /// Opening a connection and setting the source up on it.
        case connecting
        /// Connected, between transactions.
        case idle
        /// A transaction is running.
        case inBatch
        /// Connected, the source ran dry: waiting for a notification until the poll interval is up.
        case waiting(until: ContinuousClock.Instant)
    }

    /// The LISTEN connection.
    package enum ListenerState: Equatable {
        /// Not open; it may be opened at `retryAt` (at once when nil).
        case closed(retryAt: ContinuousClock.Instant?)
        /// Being opened.
        case opening
        /// Open and listening.
        case open
    }

    private var state = State.disconnected
    /// The LISTEN connection's state; only queue mode with LISTEN on opens it.
    package private(set) var listener = ListenerState.closed(retryAt: nil)
    /// Whether a connection ever got as far as setting the source up: before that, an error in the configuration
    /// (a table, key or column that does not fit) is fatal; after it, someone may be fixing it, so it is retried.
    private var sourceWasSetUp = false
    /// Between connection attempts. Reset by a transaction that commits, not by a connection that opens: a server
    /// that accepts connections and then drops them at once is backed off from like one that refuses them.
    private var backoff: Backoff
    /// Between retries of a transaction that failed on a transient conflict (or an error someone must fix).
    private var retryBackoff: Backoff
    /// Between attempts to reopen the LISTEN connection.
    private var listenerBackoff: Backoff
    /// How long an idle pipeline waits for rows before it polls anyway; also the standby's wait for a busy source.
    let pollInterval: Duration
    /// Whether the pipeline waits on a LISTEN connection (queue mode with LISTEN on), rather than only sleeping.
    let listens: Bool

    /// The longest wait for the gate before asking again.
    package static let gatePause = Duration.milliseconds(50)
    /// The longest wait on the listener (or for its retry time) before the wait looks at the clock again.
    package static let listenSlice = Duration.milliseconds(100)

    /// A machine with its backoffs (seeded in tests), the poll interval, and whether it listens.
    package init(
        backoff: Backoff, retryBackoff: Backoff, listenerBackoff: Backoff, pollInterval: Duration, listens: Bool
    ) {
        self.backoff = backoff
        self.retryBackoff = retryBackoff
        self.listenerBackoff = listenerBackoff
        self.pollInterval = pollInterval
        self.listens = listens
    }

    /// The machine for `options`: three backoffs from ``PostgresPipelineOptions/backoffBase`` to
    /// ``PostgresPipelineOptions/backoffCap`` with random jitter, and LISTEN in queue mode when it is on.
    package init(options: PostgresPipelineOptions) {
        self.init(
            backoff: Backoff(base: options.backoffBase, cap: options.backoffCap),
            retryBackoff: Backoff(base: options.backoffBase, cap: options.backoffCap),
            listenerBackoff: Backoff(base: options.backoffBase, cap: options.backoffCap),
            pollInterval: options.pollInterval, listens: options.listen && options.mode == .queue)
    }

    // MARK: - Connecting and transactions

    /// What one turn of the pipeline's loop does.
    package enum Attempt: Equatable {
        /// Another worker is probing a database that cannot be reached: wait this long, then ask again.
        case waitForGate(Duration)
        /// Open a connection, set the source up on it and report ``connected()``; then run a transaction.
        case connect
        /// Run a transaction on the open connection.
        case runBatch
    }

    /// The next turn. `connectionOpen` says whether the pipeline's connection is still open (a failed ROLLBACK
    /// closes it); `mayConnect` asks the group's gate, and is called only when there is no connection.
    package mutating func nextAttempt(connectionOpen: Bool, mayConnect: () -> Bool) -> Attempt {
        switch state {
        case .disconnected:
            guard mayConnect() else { return .waitForGate(Self.gatePause) }
            state = .connecting
            return .connect
        case .idle:
            // A connection closed under the pipeline is reopened at once, past the gate: it was not refused.
            state = connectionOpen ? .inBatch : .connecting
            return connectionOpen ? .runBatch : .connect
        case .connecting, .inBatch, .waiting:
            preconditionFailure("PipelineStateMachine: nextAttempt in \(state)")
        }
    }

    /// The connection opened and the source is set up on it; the transaction follows. The connection backoff is
    /// not reset: only a commit does that. Returns whether a connection was set up before (this is a reconnect).
    @discardableResult
    package mutating func connected() -> Bool {
        guard case .connecting = state else { preconditionFailure("PipelineStateMachine: connected in \(state)") }
        defer { sourceWasSetUp = true }
        state = .inBatch
        return sourceWasSetUp
    }

    /// What the pipeline does after a commit.
    package enum AfterCommit: Equatable {
        /// Read and drop the notifications that arrived meanwhile, so they do not pile up on the server.
        case drainListener
        /// Nothing more.
        case none
    }

    /// A batch committed: both backoffs start over.
    package mutating func committed() -> AfterCommit {
        guard case .inBatch = state else { preconditionFailure("PipelineStateMachine: committed in \(state)") }
        backoff.reset()
        retryBackoff.reset()
        state = .idle
        return listener == .open ? .drainListener : .none
    }

    /// The source had nothing to claim (the empty transaction committed) at `now`: both backoffs start over, and
    /// the pipeline waits for rows (``nextWait(at:listenerOpen:)``) until the poll interval is up.
    package mutating func caughtUp(at now: ContinuousClock.Instant) {
        guard case .inBatch = state else { preconditionFailure("PipelineStateMachine: caughtUp in \(state)") }
        backoff.reset()
        retryBackoff.reset()
        state = .waiting(until: now + pollInterval)
    }

    /// What the pipeline does about a failure: each case but ``stop(_:)`` waits `after` (the delay its event
    /// reports), then goes on.
    package enum Recovery {
        /// Retrying cannot fix it: the pipeline stops and throws it.
        case stop(PostgresError)
        /// The connection is gone: close it, tell the gate, report `event`, wait, reconnect.
        case reconnect(after: Duration, event: PipelineEvent)
        /// Another daemon holds the source: close the connection, report `event`, wait the poll interval (so that
        /// this standby takes over soon after the holder stops), connect again.
        case standBy(after: Duration, event: PipelineEvent)
        /// Report `event`, wait, and try again (on the same connection, when there is one).
        case retry(after: Duration, event: PipelineEvent)
    }

    /// Connecting, setting the source up or the transaction failed with `error` (the transaction is rolled back).
    package mutating func failed(_ error: PostgresError) -> Recovery {
        let wasConnecting: Bool
        switch state {
        case .connecting: wasConnecting = true
        case .inBatch: wasConnecting = false
        case .disconnected, .idle, .waiting: preconditionFailure("PipelineStateMachine: failed in \(state)")
        }
        if error.kind == .configuration, !sourceWasSetUp {
            state = .disconnected
            return .stop(error)
        }
        if error.needsReconnect {
            state = .disconnected
            let delay = backoff.nextDelay()
            return .reconnect(
                after: delay, event: .waitingForDatabase(attempt: backoff.attempts, error: error, retryIn: delay))
        }
        if error.kind == .busy {
            state = .disconnected
            return .standBy(after: pollInterval, event: .sourceBusy(error))
        }
        state = wasConnecting ? .disconnected : .idle
        let delay = retryBackoff.nextDelay()
        return .retry(after: delay, event: .retrying(attempt: retryBackoff.attempts, error: error, retryIn: delay))
    }

    // MARK: - Waiting for rows

    /// One step of the wait for rows after the source ran dry.
    package enum WaitStep: Equatable {
        /// The wait is over (the poll interval is up, a notification came, or the listener just opened or broke):
        /// claim again.
        case done
        /// Nothing to listen on (no LISTEN, or its retry time has not come): sleep this long, then ask again.
        case sleep(Duration)
        /// Open the LISTEN connection and report ``listenerOpened()`` or ``listenerFailed(_:at:)``.
        case openListener
        /// Wait up to this long for notifications and report ``notified(aboutSource:)`` or ``listenerBroke(at:)``.
        case listen(upTo: Duration)
    }

    /// The next step of the wait at `now`. `listenerOpen` says whether the pipeline's LISTEN connection is still
    /// open; one found closed is reopened without waiting.
    package mutating func nextWait(at now: ContinuousClock.Instant, listenerOpen: Bool) -> WaitStep {
        guard case .waiting(let until) = state else { return .done }
        let left = now.duration(to: until)
        guard left > .zero else {
            state = .idle
            return .done
        }
        guard listens else { return .sleep(left) }
        if listener == .open, !listenerOpen { listener = .closed(retryAt: nil) }
        switch listener {
        case .open:
            return .listen(upTo: min(left, Self.listenSlice))
        case .closed(let retryAt):
            if let retryAt, now < retryAt { return .sleep(min(left, Self.listenSlice)) }
            listener = .opening
            return .openListener
        case .opening:
            preconditionFailure("PipelineStateMachine: nextWait while the listener opens")
        }
    }

    /// The LISTEN connection opened: its backoff starts over, and the wait ends, since rows inserted before LISTEN
    /// took effect notified nobody (the pipeline polls first).
    package mutating func listenerOpened() {
        guard listener == .opening else { preconditionFailure("PipelineStateMachine: listenerOpened, not opening") }
        listener = .open
        listenerBackoff.reset()
        state = .idle
    }

    /// The LISTEN connection could not be opened at `now`: it is retried after its own backoff, and the wait goes
    /// on by polling. Returns the event to report, and how long to sleep before the next step.
    package mutating func listenerFailed(_ error: PostgresError, at now: ContinuousClock.Instant) -> (
        event: PipelineEvent, pause: Duration
    ) {
        guard listener == .opening, case .waiting(let until) = state else {
            preconditionFailure("PipelineStateMachine: listenerFailed, not opening")
        }
        let delay = listenerBackoff.nextDelay()
        listener = .closed(retryAt: now + delay)
        let event = PipelineEvent.listenerFailed(attempt: listenerBackoff.attempts, error: error, retryIn: delay)
        return (event, max(.zero, min(now.duration(to: until), Self.listenSlice)))
    }

    /// Notifications arrived (or the listen step timed out with none); a notification about this pipeline's
    /// source ends the wait.
    package mutating func notified(aboutSource: Bool) {
        guard listener == .open else { preconditionFailure("PipelineStateMachine: notified, not listening") }
        if aboutSource, case .waiting = state { state = .idle }
    }

    /// Waiting on the LISTEN connection failed at `now`: the pipeline closes it, polls now (notifications sent
    /// while it was away are gone), and reopens it after its backoff.
    package mutating func listenerBroke(at now: ContinuousClock.Instant) {
        guard listener == .open else { preconditionFailure("PipelineStateMachine: listenerBroke, not listening") }
        listener = .closed(retryAt: now + listenerBackoff.nextDelay())
        if case .waiting = state { state = .idle }
    }

    /// Dropping the notifications after a commit failed: the pipeline closes the LISTEN connection, and the next
    /// wait reopens it at once.
    package mutating func drainFailed() {
        guard listener == .open else { preconditionFailure("PipelineStateMachine: drainFailed, not listening") }
        listener = .closed(retryAt: nil)
    }
}
