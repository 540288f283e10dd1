import PostgresStore

/// The connections `vaewatch serve` keeps open to PostgreSQL, and the rule it checks them against at start:
///
/// - the server lets the daemon open `max_connections − superuser_reserved_connections − reserved_connections`
///   (the reserved slots stay for the administrator, even when the daemon runs as a superuser), and no more than
///   its role's `CONNECTION LIMIT`. A count above that can never fit: refused, so the daemon stops with exit 78;
/// - a count above what is free now (other sessions hold the rest) may fit later: warned; connections that fail
///   to open are retried with backoff and logged.
struct ConnectionBudget: Sendable, Equatable {
    /// One per pipeline (`source.workers`).
    let pipelines: Int
    /// One LISTEN connection per pipeline in queue mode.
    let listeners: Int
    /// The model registry's (a retrain stores its model) and, in queue mode, the coordinator's (it holds the
    /// trainer lock, ``LeadershipStateMachine``); the start-up connection closes before the pipelines open, so it is
    /// not counted.
    var others: Int { listeners > 0 ? 2 : 1 }

    /// All the connections open at once, at most.
    var total: Int { pipelines + listeners + others }

    /// The connections of `pipelines` pipelines, each with a LISTEN connection when `listening`.
    init(pipelines: Int, listening: Bool) {
        self.pipelines = pipelines
        listeners = listening ? pipelines : 0
    }

    /// What the check found.
    enum Verdict: Sendable, Equatable {
        /// They fit in what is free now.
        case fits
        /// They fit the server, but only `free` are free now.
        case tight(free: Int)
        /// They can never fit: the server allows `allowed`.
        case never(allowed: Int)
    }

    /// The connections the server lets roles without reserved slots open.
    private static func server(_ limits: ServerConnectionLimits) -> Int {
        limits.maxConnections - limits.superuserReserved - limits.reserved
    }

    /// The most connections the server ever lets the daemon open.
    static func allowed(_ limits: ServerConnectionLimits) -> Int {
        limits.roleLimit.map { min($0, server(limits)) } ?? server(limits)
    }

    /// The connections the daemon could open now.
    static func free(_ limits: ServerConnectionLimits) -> Int {
        let server = server(limits) - limits.inUse
        return limits.roleLimit.map { min($0 - limits.roleInUse, server) } ?? server
    }

    /// This budget against `limits`.
    func verdict(_ limits: ServerConnectionLimits) -> Verdict {
        let allowed = Self.allowed(limits)
        if total > allowed { return .never(allowed: allowed) }
        let free = Self.free(limits)
        return total > free ? .tight(free: free) : .fits
    }

    /// The most pipelines whose connections fit in `allowed` (0 when not even one does).
    func pipelinesFitting(_ allowed: Int) -> Int {
        max(0, (allowed - others) / (listeners > 0 ? 2 : 1))
    }

    /// Where the allowed count comes from: `max_connections 100 − superuser_reserved_connections 3`, and the role's
    /// limit when it is lower.
    static func origin(_ limits: ServerConnectionLimits) -> String {
        var text =
            "max_connections \(limits.maxConnections) − superuser_reserved_connections \(limits.superuserReserved)"
        if limits.reserved > 0 { text += " − reserved_connections \(limits.reserved)" }
        if let role = limits.roleLimit, role < server(limits) { text = "the role's CONNECTION LIMIT \(role); " + text }
        return text
    }

    /// What the connections are for: `130 connections (64 pipelines, 64 LISTEN connections, 1 for the model
    /// registry, 1 for the trainer lock)`.
    var breakdown: String {
        var parts = ["\(pipelines) pipeline\(pipelines == 1 ? "" : "s")"]
        if listeners > 0 { parts.append("\(listeners) LISTEN connection\(listeners == 1 ? "" : "s")") }
        parts.append("1 for the model registry")
        if listeners > 0 { parts.append("1 for the trainer lock") }
        return "\(total) connections (" + parts.joined(separator: ", ") + ")"
    }

    /// The refusal when the budget can never fit `limits`: both numbers, and what to change.
    func refusal(_ limits: ServerConnectionLimits) -> String {
        let allowed = Self.allowed(limits)
        let fitting = pipelinesFitting(allowed)
        let advice =
            fitting > 0
            ? "set source.workers to at most \(fitting), or raise max_connections on the server"
            : "raise max_connections on the server (or the role's CONNECTION LIMIT)"
        return "source.workers: the daemon needs \(breakdown), but the server allows it \(allowed) ("
            + Self.origin(limits) + "); " + advice
    }
}
