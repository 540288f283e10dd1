import PostgresStore

/// Which of the daemons on one source trains its model: the one holding the source's trainer lock, a session-level
/// advisory lock on a connection of its own (the coordinator's). The others follow: they score, and take the models
/// the leader stores. When the leader dies or loses that connection, the server ends its session and so frees the
/// lock, and the next follower to ask takes it.
///
/// A pure state machine, like ``PipelineStateMachine``: the coordinator's loop asks ``next(at:)`` what to do, does
/// the I/O, and tells the machine what happened; time comes in as instants, never read here.
package struct LeadershipStateMachine: Sendable {
    /// This daemon's part.
    package enum Role: String, Sendable {
        /// Holds the trainer lock: trains, stores models, answers retrain requests.
        case leader
        /// Does not hold it: never trains; takes the leader's models from the registry.
        case follower
    }

    /// What the loop is to do next.
    package enum Action: Equatable, Sendable {
        /// Open the coordinator connection (and LISTEN on it).
        case connect
        /// Ask for the lock (a follower), or check that the connection still holds it (the leader: any statement
        /// that succeeds does, since the lock lives as long as the session).
        case check
        /// Wait up to this long for notifications on the connection.
        case listen(upTo: Duration)
        /// Wait this long (no connection; the backoff before the next attempt).
        case sleep(Duration)
    }

    /// A change of part, for the daemon to act on.
    package enum Change: Equatable, Sendable {
        /// This daemon took the lock: it starts the retrain schedule.
        case becameLeader
        /// This daemon does not hold the lock (at start, or after losing it): it stops training.
        case becameFollower
    }

    /// The part; nil until the lock was first asked for.
    package private(set) var role: Role?
    /// How often a follower asks for the lock and the leader checks its connection.
    package let pollInterval: Duration
    private var isConnected = false
    private var backoff: Backoff
    private var nextCheck: ContinuousClock.Instant

    /// A machine that checks every `pollInterval` and reconnects after `backoff`'s delays, starting at `now`.
    package init(pollInterval: Duration, backoff: Backoff, now: ContinuousClock.Instant) {
        self.pollInterval = pollInterval
        self.backoff = backoff
        nextCheck = now
    }

    /// What to do at `now`.
    package func next(at now: ContinuousClock.Instant) -> Action {
        guard isConnected else { return now >= nextCheck ? .connect : .sleep(now.duration(to: nextCheck)) }
        return now >= nextCheck ? .check : .listen(upTo: now.duration(to: nextCheck))
    }

    /// The coordinator connection opened: check at once.
    package mutating func connected(at now: ContinuousClock.Instant) {
        isConnected = true
        backoff.reset()
        nextCheck = now
    }

    /// The check answered: `holdsLock` says whether this daemon holds the trainer lock now.
    package mutating func checked(holdsLock: Bool, at now: ContinuousClock.Instant) -> Change? {
        nextCheck = now + pollInterval
        return become(holdsLock ? .leader : .follower)
    }

    /// The coordinator connection failed or was lost: the server ends the session and frees the lock with it, so
    /// a leader is a follower from now on. Reconnects after the backoff.
    package mutating func connectionFailed(at now: ContinuousClock.Instant) -> Change? {
        isConnected = false
        nextCheck = now + backoff.nextDelay()
        return become(.follower)
    }

    /// Sets the part; the change, if it is one.
    private mutating func become(_ new: Role) -> Change? {
        defer { role = new }
        guard role != new else { return nil }
        return new == .leader ? .becameLeader : .becameFollower
    }
}
