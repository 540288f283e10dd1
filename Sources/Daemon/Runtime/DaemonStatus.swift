import Report

/// What the daemon is doing, for STATUS=, the status file and `vaewatch status`.
package struct DaemonStatus: Sendable, Equatable {
    /// The daemon's phase.
    package enum State: String, Sendable {
        case starting
        case warmingUp = "warming_up"
        case running
        case waitingForDatabase = "waiting_for_database"
        /// The database answers, but refuses what the daemon needs (a missing privilege, a bad value): it retries
        /// with backoff while someone fixes it; ``detail`` names the cause and the fix.
        case retrying
        case reloading
        case stopping
        /// The process has ended: the daemon's last write of the status file, with ``exitStatus`` and ``stoppedAt``.
        case stopped
    }

    /// The phase; it changes only through the named transitions below.
    package private(set) var state: State = .starting
    /// The daemon's process id.
    package var pid: Int32 = 0
    /// Where records come from, e.g. `public.metrics (queue)` or `stdin`.
    package var source = ""
    /// With several daemons on one PostgreSQL source: whether this one trains (leader) or takes the leader's
    /// models (follower); nil on stdin, and until the trainer lock was first asked for.
    package var role: LeadershipStateMachine.Role?
    /// Records scored since start.
    package var records = 0
    /// Records flagged since start.
    package var anomalies = 0
    /// Input rows or lines rejected since start.
    package var rejects = 0
    /// Of those, rows put in `vaewatch.dead_letters` since start (PostgreSQL mode).
    package var deadLetters = 0
    /// Version of the model in use; nil before the first.
    package var modelVersion: Int?
    /// Its threshold.
    package var threshold: Float?
    /// Retrains finished and swapped in since start.
    package var retrains = 0
    /// Whether a retrain runs now.
    package var retraining = false
    /// When the last retrain finished, seconds since 1970.
    package var lastRetrainAt: Int64?
    /// Records left before the record-count trigger fires; nil when that trigger is off.
    package var nextRetrainRecords: Int?
    /// Seconds left before the time trigger fires; nil when that trigger is off.
    package var nextRetrainSeconds: Double?
    /// Seconds the source has been behind (claims returning full batches) without catching up; 0 when idle.
    package var lagSeconds: Double = 0
    /// The last error, with what to do; nil when none since start.
    package private(set) var lastError: String?
    /// When ``lastError`` was recorded, seconds since 1970: the STATUS line shows it for ``errorShownSeconds``.
    package private(set) var lastErrorAt: Int64 = 0
    /// How long the STATUS line repeats the last error.
    package static let errorShownSeconds: Int64 = 300
    /// The last row that became a dead letter, as `key K: reason`; nil when none since start.
    package private(set) var lastDeadLetter: String?
    /// When ``lastDeadLetter`` came, seconds since 1970.
    package private(set) var lastDeadLetterAt: Int64 = 0
    /// How long after the last dead letter the STATUS line still counts them: while they keep coming.
    package static let deadLettersShownSeconds: Int64 = 60
    /// A detail of the current state, such as the database error while waiting for it.
    package private(set) var detail: String?
    /// When this was last written, seconds since 1970.
    package var updatedAt: Int64 = 0
    /// The exit status the process ended with; nil until ``state`` is ``State/stopped``.
    package private(set) var exitStatus: Int32?
    /// When the process stopped, seconds since 1970; nil until ``state`` is ``State/stopped``.
    package private(set) var stoppedAt: Int64?

    /// A status with nothing counted yet.
    package init() {}

    /// Records `error` as the last error, at `now` (seconds since 1970).
    package mutating func record(error: String, at now: Int64) {
        lastError = error
        lastErrorAt = now
        updatedAt = max(updatedAt, now)
    }

    /// Notes `count` rows that just became dead letters, the first of them `first` (`key K: reason`).
    package mutating func deadLettered(_ count: Int, first: String, at now: Int64) {
        deadLetters += count
        lastDeadLetter = first
        lastDeadLetterAt = now
        updatedAt = max(updatedAt, now)
    }

    /// Forgets the last error when it starts with `prefix` (a successful reload clears a rejected one).
    package mutating func clearError(startingWith prefix: String) {
        guard lastError?.hasPrefix(prefix) == true else { return }
        lastError = nil
        lastErrorAt = 0
    }

    /// Start-up is over: warming up when there is no model yet, else running.
    package mutating func ready(hasModel: Bool) {
        state = hasModel ? .running : .warmingUp
    }

    /// Learning a first model; `detail` says from what, or what it waits for.
    package mutating func warmingUp(_ detail: String) {
        state = .warmingUp
        self.detail = detail
    }

    /// A model is in use: warm-up (or start-up) is over at once, not at the first record scored, since a model
    /// loaded from the registry may wait a long time for its first row.
    package mutating func modelInUse() {
        guard [.warmingUp, .starting].contains(state) else { return }
        state = .running
        detail = nil
    }

    /// The database answers again (a connection opened, or the source was found empty): waiting and retrying are
    /// over. Warm-up is not: it ends when its model is in use.
    package mutating func connected() {
        guard [.waitingForDatabase, .retrying, .starting].contains(state) else { return }
        state = .running
        detail = nil
    }

    /// A batch was scored: whatever the daemon waited for is over.
    package mutating func scored() {
        guard [.warmingUp, .starting, .waitingForDatabase, .retrying].contains(state) else { return }
        state = .running
        detail = nil
    }

    /// The database cannot be reached; `detail` says which attempt and why.
    package mutating func waitingForDatabase(_ detail: String) {
        state = .waitingForDatabase
        self.detail = detail
    }

    /// The database refuses what the daemon needs; `detail` names the cause and the fix.
    package mutating func retrying(_ detail: String) {
        state = .retrying
        self.detail = detail
    }

    /// Waiting for something that is not an error (another daemon holds the source's lock): the state stays,
    /// `detail` says what.
    package mutating func waiting(_ detail: String) {
        self.detail = detail
    }

    /// SIGTERM or SIGINT: finishing the batch in hand.
    package mutating func stopping() {
        state = .stopping
    }

    /// SIGHUP: reloading; returns the state to go back to.
    package mutating func reloading() -> State {
        defer { state = .reloading }
        return state
    }

    /// The reload is over (applied or rejected): back to `previous`, unless a stop came meanwhile.
    package mutating func reloaded(backTo previous: State) {
        guard state == .reloading else { return }
        state = previous
    }

    /// Marks the daemon stopped, with `exitStatus`, at `now` (seconds since 1970): its last status.
    package mutating func stop(exitStatus: Int32, at now: Int64) {
        state = .stopped
        self.exitStatus = exitStatus
        stoppedAt = now
        updatedAt = max(updatedAt, now)
    }

    /// Share of scored records flagged, 0 before any.
    package var anomalyRate: Double { records == 0 ? 0 : Double(anomalies) / Double(records) }

    /// The one-line summary systemd shows as `Status:`.
    package var line: String {
        switch state {
        case .starting: return detail ?? "starting"
        case .warmingUp: return "warming up: " + (detail ?? "learning a first model")
        case .waitingForDatabase: return "waiting for database" + (detail.map { " (\($0))" } ?? "")
        case .retrying: return "retrying: " + (detail ?? "the database refused")
        case .reloading: return "reloading"
        case .stopping: return "stopping"
        case .stopped: return stoppedLine
        case .running:
            var parts = [
                "\(NumberText.count(records)) records, \(NumberText.count(anomalies)) flagged (\(Self.percent(anomalyRate)))"
            ]
            if let modelVersion { parts.append("model v\(modelVersion)") }
            if let role { parts.append(role.rawValue) }
            if retraining {
                parts.append("retraining")
            } else if let next = nextRetrainText {
                parts.append("next retrain \(next)")
            }
            if lagSeconds >= 1 { parts.append("behind by \(Int(lagSeconds)) s") }
            if let lastDeadLetter, updatedAt - lastDeadLetterAt < Self.deadLettersShownSeconds {
                parts.append("\(NumberText.count(deadLetters)) dead letters (last: \(lastDeadLetter))")
            }
            if let detail { parts.append(detail) }
            if let lastError, updatedAt - lastErrorAt < Self.errorShownSeconds { parts.append("error: \(lastError)") }
            return "scoring \(source): " + parts.joined(separator: ", ")
        }
    }

    /// What a stopped daemon did: `stopped: 1,260 records, 320 flagged (25.40%), model v4`.
    package var stoppedLine: String {
        "stopped: \(NumberText.count(records)) records, \(NumberText.count(anomalies)) flagged (\(Self.percent(anomalyRate)))"
            + (modelVersion.map { ", model v\($0)" } ?? "")
    }

    /// "in 42 min", "after 1,200 records", or nil when no trigger is on.
    var nextRetrainText: String? {
        var parts: [String] = []
        if let seconds = nextRetrainSeconds { parts.append("in \(Self.duration(seconds))") }
        if let records = nextRetrainRecords { parts.append("after \(NumberText.count(records)) records") }
        return parts.isEmpty ? nil : parts.joined(separator: " or ")
    }

    /// 0.01234 as "1.23%".
    static func percent(_ fraction: Double) -> String {
        let hundredths = Int((fraction * 10_000).rounded())
        let fractional = hundredths % 100
        return "\(hundredths / 100).\(fractional < 10 ? "0" : "")\(fractional)%"
    }

    /// Seconds as "45 s", "12 min", "3 h 5 min" or "2 d 4 h". A time left rounds up (`.up`, never saying less
    /// than is left); an age rounds down (`.down`, "3 min ago" until the fourth minute is over).
    static func duration(_ seconds: Double, rounding rule: FloatingPointRoundingRule = .up) -> String {
        let whole = Int(max(0, min(seconds, 1e15)).rounded(rule))
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(rule == .up ? (whole + 59) / 60 : whole / 60) min" }
        if whole < 86_400 { return "\(whole / 3600) h \((whole % 3600) / 60) min" }
        return "\(whole / 86_400) d \((whole % 86_400) / 3600) h"
    }
}
