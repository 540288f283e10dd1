import Detector
import Logging
import PostgresStore
import Synchronization

/// The coordinator of several daemons on one PostgreSQL source (queue mode), on a connection of its own: it asks for
/// the source's trainer lock (``LeadershipStateMachine``), so that one daemon trains and the others follow, and
/// listens on that connection. The leader retrains when a follower asks (`NOTIFY vaewatch_retrain`); a follower
/// loads each model the leader stores (`NOTIFY vaewatch_models`, and a check of the newest version at every poll as
/// the fallback after a missed notification or a reconnect), checks it, and puts it in use between two batches.
/// At every check the leader also takes the verdicts the others wrote since the last (``PeerVerdicts``) into its
/// training window and retrain schedule, so that it learns from the records of every daemon on the source.
struct Coordinator {
    let context: DaemonContext
    /// The source table; a model from the registry must have its feature columns.
    let table: ResolvedSource

    /// The source's name in vaewatch's tables.
    var source: String { table.name }

    /// The channel a follower asks the leader to retrain on, with the source's name as the payload.
    static let retrainChannel = "vaewatch_retrain"

    /// Runs until the daemon stops.
    func run() {
        var machine = LeadershipStateMachine(
            pollInterval: .seconds(1), backoff: Backoff(base: .seconds(1), cap: .seconds(20)), now: .now)
        var connection: Connection?
        var refused: Int?  // A registry version that failed its checks: not tried again.
        var peersAfter: String?  // The leader's last read of the others' verdicts ended here (server time).
        let heartbeat = context.heartbeats.register("coordinator")
        defer {
            connection?.close()
            context.heartbeats.remove(heartbeat)
        }
        while !context.stopping.isStopped {
            heartbeat.beat()
            do throws(PostgresError) {
                switch machine.next(at: .now) {
                case .connect:
                    connection = try connect()
                    machine.connected(at: .now)
                case .check:
                    guard let open = connection else { throw PostgresError(.connectionLost, message: "no connection") }
                    let holds = try check(open, leading: machine.role == .leader)
                    let change = machine.checked(holdsLock: holds, at: .now)
                    if change != nil { peersAfter = nil }
                    apply(change)
                    switch machine.role {
                    case .leader: gatherPeers(on: open, after: &peersAfter)
                    case .follower: follow(on: open, refused: &refused)
                    default: break
                    }
                case .listen(let upTo):
                    guard let open = connection else { throw PostgresError(.connectionLost, message: "no connection") }
                    for notification in try open.notifications(waitingUpTo: min(upTo, .milliseconds(250)))
                    where notification.payload == source {
                        if notification.channel == Self.retrainChannel, machine.role == .leader {
                            let running = context.engine.requestRetrain()
                            context.logger.notice(
                                running
                                    ? "retrain requested by another daemon while one runs; it folds into it"
                                    : "retrain requested by another daemon")
                        } else if notification.channel == ModelRegistry.channel, machine.role == .follower {
                            follow(on: open, refused: &refused)
                        }
                    }
                case .sleep(let delay):
                    pause(delay, beating: heartbeat, until: context.stopping)
                }
            } catch {
                connection?.close()
                connection = nil
                apply(machine.connectionFailed(at: .now))
                context.logThrottled(
                    .warning, "the coordinator connection failed; this daemon does not train until it is back",
                    topic: "coordinator", key: error.description, metadata: ["db.error": "\(error.description)"])
            }
        }
    }

    /// A new coordinator connection, listening on both channels.
    private func connect() throws(PostgresError) -> Connection {
        let connection = try context.connect(as: "vaewatch-coordinator")
        do {
            try connection.execute("LISTEN \(identifier: Self.retrainChannel)")
            try connection.execute("LISTEN \(identifier: ModelRegistry.channel)")
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Whether this daemon holds the trainer lock: a follower asks for it; for the leader, a statement that succeeds
    /// on the session that holds it is proof enough.
    private func check(_ connection: Connection, leading: Bool) throws(PostgresError) -> Bool {
        if leading {
            try connection.execute("SELECT 1")
            return true
        }
        let result = try connection.execute(
            "SELECT pg_try_advisory_lock(hashtext('vaewatch.trainer'), hashtext(\(.text(source))))")
        return result.text(0, 0) == "t"
    }

    /// Acts on a change of part: the leader trains; a follower stops.
    private func apply(_ change: LeadershipStateMachine.Change?) {
        guard let change else { return }
        let leads = change == .becameLeader
        context.engine.setTraining(leads)
        context.status.withLock { $0.role = leads ? .leader : .follower }
        context.logger.notice(
            leads
                ? "this daemon trains the model of \(source) (it holds the trainer lock)"
                : "another daemon trains the model of \(source); this one takes its models from the registry",
            metadata: ["source.name": "\(source)", "role": "\(leads ? "leader" : "follower")"])
    }

    /// A follower's step: puts the registry's newest active model in use when it is newer than the one in use and
    /// passes the checks (checksum, features, threshold); one that fails them is refused once, with the reason, and
    /// the model in use stays.
    private func follow(on connection: Connection, refused: inout Int?) {
        do throws(PostgresError) {
            let inUse = context.engine.detector?.version ?? 0
            guard let newest = try ModelRegistry.newestActiveVersion(source: source, on: connection), newest > inUse,
                newest != refused, let stored = try ModelRegistry.newestActive(source: source, on: connection)
            else { return }
            do {
                let detector = try ModelFiles.detector(
                    from: stored.bytes, name: "registry model \(source) v\(stored.version)",
                    expectedFeatures: context.engine.detector?.featureNames ?? table.columns)
                guard context.engine.useIfNewer(detector) else { return }
                context.engine.withdrawRetrainRequest()  // The leader answered a request this daemon forwarded.
                context.showInUse(detector)
                context.logger.notice(
                    "model from the registry in use", metadata: ["model.version": "\(detector.version)"])
                context.checkpoint(detector)
            } catch {
                refused = stored.version
                context.problem(
                    "the registry's model version \(stored.version) is refused, the model in use stays: \(error)")
            }
        } catch {
            context.logThrottled(
                .warning, "cannot read the model registry; the model in use stays", topic: "registry",
                key: error.description, metadata: ["db.error": "\(error.description)"])
        }
    }

    /// The leader's step: offers the verdicts the other daemons wrote since `after` to the training window and
    /// counts them toward the retrain schedule; the first read after taking the lead starts now. A read that fails
    /// is logged and tried again at the next check, from the same point.
    private func gatherPeers(on connection: Connection, after: inout String?) {
        do throws(PostgresError) {
            guard let from = after else {
                after = try PeerVerdicts.start(on: connection)
                return
            }
            let peers = try PeerVerdicts.read(
                table, excluding: context.instance, after: from, limit: context.settings.windowCapacity,
                on: connection)
            after = peers.end
            guard peers.total > 0 else { return }
            context.engine.scoredElsewhere(peers.runs.map { ($0.records, $0.verdicts) }, counted: peers.total)
        } catch {
            context.logThrottled(
                .warning, "cannot read the other daemons' verdicts; the training window holds this daemon's only",
                topic: "peers", key: error.description, metadata: ["db.error": "\(error.description)"])
        }
    }
}
