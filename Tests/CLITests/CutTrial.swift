import TestSupport

/// The test's side of P20 (``ServeNetworkCutTests``): rows arriving, the server's view of a host's sessions, and the
/// cut itself, timed to land in the middle of a batch.
final class CutTrial {
    /// The database the daemons score.
    let database: ServeDatabase
    /// The hosts the daemons run in.
    let hosts: IsolatedHosts
    /// The next key to insert.
    private var next = 1

    /// A trial on `database` with daemons in `hosts`.
    init(database: ServeDatabase, hosts: IsolatedHosts) {
        self.database = database
        self.hosts = hosts
    }

    /// A cut that landed in the middle of a batch.
    struct Caught {
        /// The cut host's namespace.
        let host: String
        /// When the link went down.
        let at: ContinuousClock.Instant
        /// Queue rows the host's sessions held claimed then (recorded in `p20_claimed`).
        let claimed: Int
        /// The server processes of the sessions that held them.
        let claimingSessions: [Int32]
        /// The server processes of all the host's sessions then.
        let sessions: [Int32]
        /// Cuts made, this one included (the earlier ones came too late and were undone at once).
        let tries: Int
    }

    /// Runs `text` with psql over the cluster's Unix socket.
    @discardableResult
    func sql(_ text: String) throws -> String { try database.cluster.psql(text, database: database.name) }

    /// Inserts `count` more rows.
    func feed(_ count: Int) throws {
        try database.insert(from: next, count: count)
        next += count
    }

    /// The server process of `host`'s newest pipeline session (`application_name` vaewatch), or nil.
    func pipelineSession(of host: IsolatedHosts.Host) throws -> Int32? {
        Int32(
            try sql(
                """
                SELECT pid FROM pg_stat_activity WHERE client_addr = '\(host.address)' AND application_name = 'vaewatch'
                ORDER BY backend_start DESC LIMIT 1
                """))
    }

    /// Feeds bursts of rows while watching host `index`'s sessions until one holds claimed queue rows (rows its open
    /// transaction deleted: their `xmax` is its `backend_xid`), then cuts the host's link at once and records the rows
    /// its sessions still hold in `p20_claimed` under `cut`. A look that came too late (the batch committed before the
    /// link went down) brings the link back and watches on. Nil when 30 bursts pass without a catch.
    func cutMidBatch(_ index: Int, cut: Int) throws -> Caught? {
        let host = hosts.hosts[index]
        var tries = 0
        for _ in 0..<30 {
            try feed(8000)
            let end = ContinuousClock.now + .seconds(2)
            while ContinuousClock.now < end {
                guard try claimedRows(of: host) > 0 else { continue }
                try hosts.cut(index)
                let at = ContinuousClock.now
                tries += 1
                let row = try sql(
                    """
                    WITH claimed AS (
                        INSERT INTO p20_claimed
                        SELECT \(cut), a.pid, q.source_id
                        FROM vaewatch.queue q JOIN pg_stat_activity a ON q.xmax = a.backend_xid
                        WHERE a.client_addr = '\(host.address)'
                        RETURNING pid)
                    SELECT (SELECT count(*) FROM claimed),
                           (SELECT coalesce(string_agg(DISTINCT pid::text, ','), '') FROM claimed),
                           (SELECT coalesce(string_agg(pid::text, ','), '') FROM pg_stat_activity
                            WHERE client_addr = '\(host.address)')
                    """
                ).split(separator: "|", omittingEmptySubsequences: false)
                let claimed = row.first.flatMap { Int($0) } ?? 0
                if claimed > 0 && row.count == 3 {
                    return Caught(
                        host: host.namespace, at: at, claimed: claimed, claimingSessions: Self.pids(row[1]),
                        sessions: Self.pids(row[2]),
                        tries: tries)
                }
                try hosts.restore(index)
            }
        }
        return nil
    }

    /// Watches the server after the cut `caught` (number `cut`) until the session that held the claimed rows and
    /// all the host's sessions of then are gone and every claimed row has a verdict, or until `limit` after the cut;
    /// rows keep arriving meanwhile.
    func measure(_ caught: Caught, cut: Int, limit: Duration) throws -> CutFigures {
        var figures = CutFigures(cut: cut, host: caught.host, claimed: caught.claimed, tries: caught.tries)
        while ContinuousClock.now < caught.at + limit && !figures.complete {
            let left = try left(cut: cut, claiming: caught.claimingSessions, all: caught.sessions)
            let elapsed = (ContinuousClock.now - caught.at) / .seconds(1)
            if left.claiming == 0 && figures.dropped == nil { figures.dropped = elapsed }
            if left.sessions == 0 && figures.allDropped == nil { figures.allDropped = elapsed }
            if left.unscored == 0 && figures.scored == nil { figures.scored = elapsed }
            try feed(100)
            pauseThread(.milliseconds(50))
        }
        return figures
    }

    /// What is left, some time after a cut: the claiming sessions and all the host's sessions of then that the
    /// server still has, and the claimed rows of cut `cut` without a verdict.
    private func left(cut: Int, claiming: [Int32], all: [Int32]) throws -> (claiming: Int, sessions: Int, unscored: Int)
    {
        func list(_ pids: [Int32]) -> String { "'{" + pids.map(String.init).joined(separator: ",") + "}'::int[]" }
        let row = try sql(
            """
            SELECT (SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(\(list(claiming)))),
                   (SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(\(list(all)))),
                   (SELECT count(*) FROM p20_claimed c WHERE c.cut = \(cut) AND NOT EXISTS (
                        SELECT 1 FROM vaewatch.scores s
                        WHERE s.source = '\(ServeDatabase.source)' AND s.source_id = c.source_id))
            """
        ).split(separator: "|").map { Int($0) ?? -1 }
        guard row.count == 3 else { return (-1, -1, -1) }
        return (row[0], row[1], row[2])
    }

    /// Queue rows that `host`'s open transactions hold claimed now.
    private func claimedRows(of host: IsolatedHosts.Host) throws -> Int {
        Int(
            try sql(
                """
                SELECT count(*) FROM vaewatch.queue q JOIN pg_stat_activity a ON q.xmax = a.backend_xid
                WHERE a.client_addr = '\(host.address)'
                """)) ?? 0
    }

    /// Process IDs from a comma-separated list.
    private static func pids(_ text: Substring) -> [Int32] { text.split(separator: ",").compactMap { Int32($0) } }
}
