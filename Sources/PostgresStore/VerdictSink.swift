import Compute
import Detector

/// Writes verdicts to `vaewatch.scores` inside the caller's transaction, in bulk. The fast path is one binary
/// COPY straight into the scores. When it fails on a row (a row scored before, after a backfill; or a constraint
/// the database adds), the batch goes the careful way: a binary COPY into a temporary table, then
/// `INSERT … ON CONFLICT` into the scores, bisected under savepoints until the refused rows are found; they go to
/// `vaewatch.dead_letters` with the reason, and the rest of the batch commits. The primary key (source,
/// source_id) makes a replay after a crash harmless.
package final class VerdictSink {
    /// The source name the verdicts carry.
    package let source: String
    /// Whether each verdict's latent mean μ goes into `vaewatch.scores.latent` (`005_latent.sql`).
    package let storesLatentMean: Bool
    /// The writer named in `vaewatch.scores.scored_by` (`006_instances.sql`), `host:pid` for a daemon; nil leaves
    /// the column NULL and needs no 006.
    package let scoredBy: String?
    /// Whether a batch with flagged records sends `NOTIFY vaewatch_anomalies` (``AnomalyNotice``) in its
    /// transaction.
    package let notifiesAnomalies: Bool
    private var fragmentNames: [String] = []
    private var fragments: [[UInt8]] = []

    /// A sink for verdicts of `source`, written by `scoredBy` (nil: nobody named); with `storesLatentMean`, the
    /// verdicts must carry their latent means (``Verdicts/latentMean``); with `notifiesAnomalies`, a batch that
    /// flags records sends one notification.
    package init(
        source: String, scoredBy: String? = nil, storesLatentMean: Bool = false, notifiesAnomalies: Bool = false
    ) {
        self.source = source
        self.scoredBy = scoredBy
        self.storesLatentMean = storesLatentMean
        self.notifiesAnomalies = notifiesAnomalies
    }

    /// The columns of `vaewatch.scores` a COPY row fills after the source name (or the staging row's ordinal).
    private var columns: Query {
        var columns: Query =
            "source_id, score, recon, kl, threshold, is_anomaly, model_version, top_features, missing"
        if storesLatentMean { columns = columns + ", latent" }
        if scoredBy != nil { columns = columns + ", scored_by" }
        return columns
    }

    /// Creates the session's temporary staging table; call after every connect. First makes sure
    /// `vaewatch.scores` has the columns this sink fills (``PostgresError/Kind/configuration`` otherwise): `latent`
    /// with ``storesLatentMean``, `scored_by` with ``scoredBy``.
    package func prepare(_ connection: Connection) throws(PostgresError) {
        if storesLatentMean, try !Self.scoresHaveColumn("latent", on: connection) {
            throw PostgresError(
                .configuration,
                message: "sink.latent is on, but vaewatch.scores in \(connection.target) has no column latent: "
                    + "run `vaewatch init-db` to apply 005_latent.sql, or set sink.latent: false")
        }
        if scoredBy != nil, try !Self.scoresHaveColumn("scored_by", on: connection) {
            throw PostgresError(
                .configuration,
                message: "vaewatch.scores in \(connection.target) has no column scored_by, which this vaewatch "
                    + "writes: run `vaewatch init-db` to apply 006_instances.sql")
        }
        try connection.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS vaewatch_batch (
                ord integer, source_id text, score float8, recon float8, kl float8, threshold float8,
                is_anomaly boolean, model_version integer, top_features jsonb, missing integer, latent float4[],
                scored_by text
            ) ON COMMIT DELETE ROWS
            """)
    }

    /// Whether `vaewatch.scores` has the column `name` (a migration added it).
    private static func scoresHaveColumn(_ name: String, on connection: Connection) throws(PostgresError) -> Bool {
        let found = try connection.execute(
            """
            SELECT count(*) FROM pg_catalog.pg_attribute
            WHERE attrelid = to_regclass('vaewatch.scores') AND attname = \(.text(name)) AND NOT attisdropped
            """)
        return found.text(0, 0) == "1"
    }

    /// What a write did.
    package struct Report: Sendable, Equatable {
        /// Verdicts written (inserted or replacing an earlier verdict of the same row).
        package var written = 0
        /// Verdicts the database refused, with its reason; they are in the dead letters (stage `sink`).
        package var refused: [RejectedRow] = []
        /// Rows the source could not score, with the reason; they are in the dead letters (stage `input`).
        package var unscorable: [RejectedRow] = []
        /// The `NOTIFY vaewatch_anomalies` payload sent, delivered when the transaction commits; nil when none was.
        package var notice: String?
    }

    /// Writes the verdicts `scoring` returns (row i for `keys[i]`), dead-letters `rejected` and, with
    /// ``notifiesAnomalies`` and flagged records written, sends their notification, inside the open transaction.
    ///
    /// `scoring` runs once, while the COPY's statement travels to the server and the server readies the COPY, so
    /// that scoring the batch and that round trip overlap. The COPY is waited for; the statements after it
    /// (savepoint release, dead letters, notification) are queued on the connection (``Connection/enqueue(_:)``)
    /// and go with the transaction's `COMMIT`, in its round trip. Call it once per transaction: the staging table
    /// empties at COMMIT (`ON COMMIT DELETE ROWS`), which truncates in place instead of churning the catalog as a
    /// `TRUNCATE` per batch would.
    package func write(
        _ connection: Connection, keys: [String], rejected: [RejectedRow], scoring: () -> Verdicts
    ) throws(PostgresError) -> Report {
        var scored: Verdicts?
        /// The verdicts, scored on first use.
        func verdicts() -> Verdicts {
            if let scored { return scored }
            let fresh = scoring()
            precondition(keys.count == fresh.count, "VerdictSink: \(keys.count) keys for \(fresh.count) verdicts")
            precondition(!storesLatentMean || fresh.latentMean != nil, "VerdictSink: verdicts without latent means")
            scored = fresh
            return fresh
        }
        var report = Report()
        if !keys.isEmpty {
            connection.enqueue("SAVEPOINT vaewatch_copy")
            do {
                try connection.copyIn("COPY vaewatch.scores (source, \(columns)) FROM STDIN (FORMAT binary)") {
                    encode(keys: keys, verdicts: verdicts(), leading: .source(source))
                }
                connection.enqueue("RELEASE SAVEPOINT vaewatch_copy")
                report.written = keys.count
            } catch  where error.kind == .statement && error.sqlState?.isRowData == true {
                connection.enqueue("ROLLBACK TO SAVEPOINT vaewatch_copy")
                connection.enqueue("RELEASE SAVEPOINT vaewatch_copy")
                try writeCarefully(connection, keys: keys, verdicts: verdicts(), report: &report)
            }
        }
        if !rejected.isEmpty {
            deadLetter(connection, stage: "input", rows: rejected, verdicts: rejected.map { _ in "" })
            report.unscorable = rejected
        }
        if notifiesAnomalies,
            let payload = AnomalyNotice.payload(
                source: source, keys: keys, verdicts: verdicts(), refused: Set(report.refused.map(\.key)))
        {
            connection.enqueue("SELECT pg_notify(\(.text(AnomalyNotice.channel)), \(.text(payload)))")
            report.notice = payload
        }
        _ = verdicts()  // Scored even when no record was: the caller's `scoring` runs once, always.
        return report
    }

    /// The careful path: stage the batch, upsert it, bisect what the database refuses.
    private func writeCarefully(_ connection: Connection, keys: [String], verdicts: Verdicts, report: inout Report)
        throws(PostgresError)
    {
        try connection.copyIn("COPY vaewatch_batch (ord, \(columns)) FROM STDIN (FORMAT binary)") {
            encode(keys: keys, verdicts: verdicts, leading: .ordinal)
        }
        var refusedRows: [(row: Int, reason: String)] = []
        try place(0..<keys.count, connection, refused: &refusedRows)
        report.written = keys.count - refusedRows.count
        report.refused = refusedRows.map { RejectedRow(key: keys[$0.row], reason: $0.reason) }
        if !refusedRows.isEmpty {
            deadLetter(
                connection, stage: "sink", rows: report.refused,
                verdicts: refusedRows.map { json(verdicts[$0.row]) })
        }
    }

    /// Inserts staged rows `range`, bisecting on row-data errors; the refused rows end up in `refused`.
    private func place(_ range: Range<Int>, _ connection: Connection, refused: inout [(row: Int, reason: String)])
        throws(PostgresError)
    {
        connection.enqueue("SAVEPOINT vaewatch_sink")
        var update: Query = storesLatentMean ? ", latent = EXCLUDED.latent" : ""
        if scoredBy != nil { update = update + ", scored_by = EXCLUDED.scored_by" }
        do {
            try connection.execute(
                """
                INSERT INTO vaewatch.scores (source, \(columns))
                SELECT \(.text(source)), \(columns)
                FROM vaewatch_batch WHERE ord >= \(.integer(Int64(range.lowerBound))) \
                AND ord < \(.integer(Int64(range.upperBound)))
                ON CONFLICT (source, source_id) DO UPDATE SET
                    scored_at = now(), score = EXCLUDED.score, recon = EXCLUDED.recon, kl = EXCLUDED.kl,
                    threshold = EXCLUDED.threshold, is_anomaly = EXCLUDED.is_anomaly,
                    model_version = EXCLUDED.model_version, top_features = EXCLUDED.top_features,
                    missing = EXCLUDED.missing\(update)
                """)
            connection.enqueue("RELEASE SAVEPOINT vaewatch_sink")
        } catch  where error.kind == .statement && error.sqlState?.isRowData == true {
            connection.enqueue("ROLLBACK TO SAVEPOINT vaewatch_sink")
            connection.enqueue("RELEASE SAVEPOINT vaewatch_sink")
            if range.count == 1 {
                refused.append((range.lowerBound, error.description))
                return
            }
            let middle = range.lowerBound + range.count / 2
            try place(range.lowerBound..<middle, connection, refused: &refused)
            try place(middle..<range.upperBound, connection, refused: &refused)
        }
    }

    private func deadLetter(_ connection: Connection, stage: String, rows: [RejectedRow], verdicts: [String]) {
        connection.enqueue(
            """
            INSERT INTO vaewatch.dead_letters (source, source_id, stage, reason, verdict)
            SELECT \(.text(source)), k, \(.text(stage)), r, NULLIF(v, '')::jsonb
            FROM unnest(\(.textArray(rows.map(\.key)))::text[], \(.textArray(rows.map(\.reason)))::text[],
                        \(.textArray(verdicts))::text[]) AS u(k, r, v)
            """)
    }

    // MARK: - Encoding

    /// What a COPY row starts with: the source name (straight into the scores) or the row's ordinal (staging).
    enum Leading {
        case source(String)
        case ordinal
    }

    /// The binary COPY stream of the verdicts.
    func encode(keys: [String], verdicts: Verdicts, leading: Leading) -> [UInt8] {
        if fragmentNames != verdicts.featureNames {
            fragmentNames = verdicts.featureNames
            fragments = fragmentNames.map { Array("{\"feature\":\(JSONText.quoted($0)),\"share\":".utf8) }
        }
        var encoder = BinaryCopyEncoder(capacity: 64 + keys.count * 160)
        var top: [UInt8] = []
        let latent = storesLatentMean ? verdicts.latentMean : nil
        for i in 0..<keys.count {
            encoder.beginRow(fields: 10 + (latent == nil ? 0 : 1) + (scoredBy == nil ? 0 : 1))
            switch leading {
            case .source(let name): encoder.text(name)
            case .ordinal: encoder.int32(Int32(i))
            }
            encoder.text(keys[i])
            encoder.double(Double(verdicts.score[i]))
            encoder.double(Double(verdicts.recon[i]))
            encoder.double(Double(verdicts.kl[i]))
            encoder.double(Double(verdicts.threshold))
            encoder.bool(verdicts.isAnomaly[i])
            encoder.int32(Int32(verdicts.modelVersion))
            top.removeAll(keepingCapacity: true)
            appendTopFeatures(of: i, verdicts, to: &top)
            encoder.jsonb(top)
            encoder.int32(Int32(verdicts.missingCount[i]))
            if let latent { encoder.float4Array(latent, row: i) }
            if let scoredBy { encoder.text(scoredBy) }
        }
        encoder.finish()
        return encoder.bytes
    }

    /// `[{"feature":"cpu","share":0.613},…]` for record `i`, shares rounded to 3 decimals.
    private func appendTopFeatures(of i: Int, _ verdicts: Verdicts, to json: inout [UInt8]) {
        json.append(0x5B)
        for slot in 0..<verdicts.topCount {
            let index = Int(verdicts.topFeatureIndex[i * verdicts.topCount + slot])
            guard index >= 0 else { break }
            if slot > 0 { json.append(0x2C) }
            json += fragments[index]
            Self.appendThousandths(verdicts.topFeatureShare[i * verdicts.topCount + slot], to: &json)
            json.append(0x7D)
        }
        json.append(0x5D)
    }

    /// `share` in [0, 1] as a decimal with at most 3 places: `0.613`, `1`, `0`.
    static func appendThousandths(_ share: Float, to json: inout [UInt8]) {
        let thousandths = Int((min(max(share, 0), 1) * 1000).rounded())
        if thousandths == 1000 {
            json.append(0x31)
            return
        }
        json.append(0x30)
        guard thousandths > 0 else { return }
        var digits = [UInt8(thousandths / 100), UInt8(thousandths / 10 % 10), UInt8(thousandths % 10)]
        while digits.last == 0 { digits.removeLast() }
        json.append(0x2E)
        for digit in digits { json.append(0x30 + digit) }
    }

    /// One verdict as a JSON object, for the dead letters.
    private func json(_ verdict: Verdict) -> String {
        let top = verdict.topFeatures.map { "{\"feature\":\(JSONText.quoted($0.name)),\"share\":\($0.share)}" }
        return "{\"score\":\(verdict.score),\"recon\":\(verdict.recon),\"kl\":\(verdict.kl),"
            + "\"threshold\":\(verdict.threshold),\"is_anomaly\":\(verdict.isAnomaly),"
            + "\"model_version\":\(verdict.modelVersion),\"missing\":\(verdict.missingCount),"
            + "\"top_features\":[\(top.joined(separator: ","))]}"
    }
}
