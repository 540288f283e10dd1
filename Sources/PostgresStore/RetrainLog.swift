/// Rows of `vaewatch.retrains`: one per retrain attempt, so operators can see when and why the model changed, and
/// which daemon trained it.
package enum RetrainLog {
    /// Records a retrain of `source` that `instance` (`host:pid`) started at `startedAt` (seconds since 1970) for
    /// `reason`, on `records` window records, from `fromVersion` to `toVersion` (nil when it failed, with the error
    /// as `outcome`).
    package static func record(
        source: String, instance: String, startedAt: Int64, reason: String, records: Int, fromVersion: Int?,
        toVersion: Int?, outcome: String, metrics: String?, on connection: Connection
    ) throws(PostgresError) {
        try connection.execute(
            """
            INSERT INTO vaewatch.retrains (source, instance, started_at, reason, records, from_version, to_version,
                outcome, metrics)
            VALUES (\(.text(source)), \(.text(instance)), to_timestamp(\(.integer(startedAt))), \(.text(reason)),
                \(.integer(Int64(records))), \(fromVersion.map { .integer(Int64($0)) } ?? .null),
                \(toVersion.map { .integer(Int64($0)) } ?? .null), \(.text(outcome)),
                \(metrics.map { .text($0) } ?? .null)::jsonb)
            """)
    }
}
