import Compute
import Detector

/// The verdicts other daemons wrote for a source (`vaewatch.scores.scored_by`, migration 006), joined with the
/// source's rows: the trainer among several daemons on one table offers them to its training window, so that it
/// learns from every daemon's records and counts them toward the retrain schedule, not only from the batches it
/// scored itself.
///
/// Read in slices of time: each read takes the verdicts scored after the last read's end and up to a moment a
/// little in the past, ``settleTime`` behind the server's clock. `scored_at` is the start of the transaction that
/// wrote a verdict, which may commit after a later one: the delay lets such transactions commit before their slice
/// is read. A verdict whose transaction stayed open longer than that falls between two slices and is not offered;
/// the window is a sample of the recent records, and a few of them missing changes nothing it learns.
package struct PeerVerdicts: Sendable {
    /// One run of records scored by the same model under the same threshold, as the window takes them.
    package struct Run: Sendable {
        /// The records, oldest first.
        package var records: RecordBatch
        /// Their verdicts: scores, flags, the threshold and the model version as stored; recon, kl and the top
        /// features are not read (0 and none).
        package var verdicts: Verdicts
    }

    /// The runs read, oldest first: at most the `limit` most recent verdicts of the slice.
    package var runs: [Run]
    /// Verdicts in the slice, including those past the limit and those whose source row is gone.
    package var total: Int
    /// Where the slice ended: the next read starts after it.
    package var end: String

    /// How far behind the server's clock a slice ends.
    package static let settleTime = "2 seconds"

    /// Where a first read starts: now, less ``settleTime``, on the server's clock (as text in the session's
    /// canonical time zone, UTC).
    package static func start(on connection: Connection) throws(PostgresError) -> String {
        let result = try connection.execute("SELECT (now() - \(.text(settleTime))::interval)::text")
        guard let text = result.text(0, 0) else {
            throw PostgresError(.statement, message: "the server returned no time")
        }
        return text
    }

    /// The verdicts of `table`'s source that writers other than `instance` wrote after `after` (an ``end``, or
    /// ``start(on:)``), at most the `limit` most recent, with the features of the rows they are for.
    package static func read(
        _ table: ResolvedSource, excluding instance: String, after: String, limit: Int, on connection: Connection
    ) throws(PostgresError) -> PeerVerdicts {
        precondition(limit >= 1, "PeerVerdicts.read: limit must be at least 1, got \(limit)")
        let end = try start(on: connection)
        let result = try connection.execute(
            """
            SELECT v.source_id, v.score, v.threshold, v.is_anomaly, v.model_version, v.total,
                   CASE WHEN s.\(identifier: table.key) IS NULL THEN 'gone' END, \(table.featureList)
            FROM (SELECT source_id, score, threshold, is_anomaly, model_version, scored_at, count(*) OVER () AS total
                  FROM vaewatch.scores
                  WHERE source = \(.text(table.name)) AND scored_by IS DISTINCT FROM \(.text(instance))
                    AND scored_at > \(.text(after))::timestamptz AND scored_at <= \(.text(end))::timestamptz
                  ORDER BY scored_at DESC, source_id DESC LIMIT \(.integer(Int64(limit)))) v
            LEFT JOIN \(table.qualified) s ON s.\(identifier: table.key) = v.source_id::\(table.keyTypeSQL)
            ORDER BY v.scored_at, v.source_id
            """, binary: true)
        let total = result.rowCount > 0 ? Int(result.integer(0, 5) ?? 0) : 0
        // A verdict whose row is gone, or whose row has a value that cannot be scored, is left out.
        let batch = SourceBatch(
            result: result, keyColumn: 0, firstFeature: 7, columns: table.columns,
            absence: (column: 6, reason: { _, _ in "" })
        ).records
        var rowOf: [String: Int] = [:]
        for row in 0..<result.rowCount {
            if let key = result.text(row, 0) { rowOf[key] = row }
        }
        var runs: [Run] = []
        var lower = 0
        while lower < batch.count {
            let first = rowOf[batch.keys[lower]] ?? 0
            let version = Int(result.integer(first, 4) ?? 0)
            let threshold = Float(result.double(first, 2) ?? 0)
            var upper = lower + 1
            while upper < batch.count, let row = rowOf[batch.keys[upper]], Int(result.integer(row, 4) ?? 0) == version,
                Float(result.double(row, 2) ?? 0) == threshold
            {
                upper += 1
            }
            let rows = (lower..<upper).map { rowOf[batch.keys[$0]] ?? 0 }
            let n = rows.count
            runs.append(
                Run(
                    records: batch.rows(Array(lower..<upper)),
                    verdicts: Verdicts(
                        score: rows.map { Float(result.double($0, 1) ?? .nan) },
                        recon: [Float](repeating: 0, count: n), kl: [Float](repeating: 0, count: n),
                        isAnomaly: rows.map { result.bool($0, 3) ?? false },
                        missingCount: [Int](repeating: 0, count: n), topFeatureIndex: [], topFeatureShare: [],
                        topCount: 0, threshold: threshold, modelVersion: version, featureNames: table.columns)))
            lower = upper
        }
        return PeerVerdicts(runs: runs, total: total, end: end)
    }
}
