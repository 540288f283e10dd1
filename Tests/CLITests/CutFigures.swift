/// What one cut measured, in seconds after the link went down.
struct CutFigures: CustomStringConvertible {
    /// The cut's number.
    let cut: Int
    /// The cut host's namespace.
    let host: String
    /// Queue rows the daemon held claimed (deleted in its open transaction) when its link went down.
    let claimed: Int
    /// Cuts that missed a batch first (the transaction committed between the test's look and the cut).
    let tries: Int
    /// When the server no longer had the session that held the claimed rows.
    var dropped: Double?
    /// When the server had none of the daemon's sessions left.
    var allDropped: Double?
    /// When every claimed row had its verdict.
    var scored: Double?
    /// Seconds from the link coming back to the daemon's new pipeline session.
    var reconnected: Double?

    /// Whether the session, all the host's sessions and the claimed rows' verdicts were all seen.
    var complete: Bool { dropped != nil && allDropped != nil && scored != nil }

    /// `value` in seconds with two decimals, or "never".
    static func seconds(_ value: Double?) -> String { value.map { "\(($0 * 100).rounded() / 100) s" } ?? "never" }

    var description: String {
        "cut \(cut) (\(host), \(claimed) rows claimed, \(tries) tries): session dropped \(Self.seconds(dropped)), "
            + "all its sessions \(Self.seconds(allDropped)), claimed rows scored by the others \(Self.seconds(scored)); "
            + "reconnected \(Self.seconds(reconnected)) after the link came back"
    }
}
