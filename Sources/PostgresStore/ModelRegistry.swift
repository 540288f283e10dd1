import Detector

/// A model version stored in `vaewatch.models`.
package struct StoredModel: Sendable, Equatable {
    /// The source the model scores.
    package let source: String
    /// The model's version.
    package let version: Int
    /// When it was saved, as the server prints it (ISO 8601 in UTC).
    package let createdAt: String
    /// The model file's bytes; empty in ``ModelRegistry/list(source:on:)``, which does not fetch them.
    package let bytes: [UInt8]
    /// The size of the model file.
    package let size: Int
    /// The checksum the file carries, as `vaewatch inspect` prints it.
    package let checksum: String
    /// The training summary, as JSON.
    package let metrics: String
    /// Whether the version may be loaded.
    package let active: Bool
}

/// The model registry: every model version as a row, so that a restart (or another daemon) can load the newest.
package enum ModelRegistry {
    /// Stores a model of `source` under a version the database allocates: the lowest that is at least `wanted` and
    /// above every stored version of `source`. A model file carries its version, so `file(version)` gives the bytes
    /// numbered `version`. The INSERT has no `ON CONFLICT`: a version is never replaced, and a writer that loses a
    /// race for a number (another daemon, or a push, stored it between the read and the INSERT: a unique violation)
    /// tries the next one. So two models never share `(source, version)`, and `model_version` in `vaewatch.scores`
    /// always names the bytes that scored the row.
    ///
    /// - Returns: the version stored.
    package static func store(
        source: String, wanted: Int, metrics: String, active: Bool = true, on connection: Connection,
        file: (Int) throws(PostgresError) -> [UInt8]
    ) throws(PostgresError) -> Int {
        var attempt = 0
        while true {
            let newest = try connection.execute(
                "SELECT coalesce(max(version), 0) FROM vaewatch.models WHERE source = \(.text(source))")
            let version = max(wanted, (Int(newest.text(0, 0) ?? "") ?? 0) + 1)
            let bytes = try file(version)
            do throws(PostgresError) {
                try connection.execute(
                    """
                    INSERT INTO vaewatch.models (source, version, bytes, checksum, metrics, active)
                    VALUES (\(.text(source)), \(.integer(Int64(version))), \(.bytes(bytes)),
                            \(.text(Detector.checksumText(ofFile: bytes))), \(.text(metrics))::jsonb, \(.bool(active)))
                    """)
                return version
            } catch  where error.sqlState == SQLState("23505") && attempt < maximumRaces {
                attempt += 1
            }
        }
    }

    /// Races for a version lost in a row before ``store(source:wanted:metrics:active:on:file:)`` gives up: far more
    /// than writers a source has.
    static let maximumRaces = 20

    /// The channel a stored model is announced on (`NOTIFY vaewatch_models, '<source>'`): daemons that follow
    /// the source's trainer listen on it.
    package static let channel = "vaewatch_models"

    /// Tells the daemons listening on ``channel`` that `source` has a new model.
    package static func announce(source: String, on connection: Connection) throws(PostgresError) {
        try connection.execute("SELECT pg_notify(\(.text(channel)), \(.text(source)))")
    }

    /// The number of the newest active version of `source`'s model, without its bytes; nil when there is none.
    package static func newestActiveVersion(source: String, on connection: Connection) throws(PostgresError) -> Int? {
        let rows = try connection.execute(
            "SELECT max(version) FROM vaewatch.models WHERE source = \(.text(source)) AND active")
        return rows.text(0, 0).flatMap { Int($0) }
    }

    /// The newest active version of `source`'s model, with its bytes; nil when there is none.
    package static func newestActive(source: String, on connection: Connection) throws(PostgresError) -> StoredModel? {
        let rows = try connection.execute(
            """
            SELECT source, version, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), bytes,
                   length(bytes), checksum, metrics::text, active
            FROM vaewatch.models WHERE source = \(.text(source)) AND active
            ORDER BY version DESC LIMIT 1
            """, binary: true)
        return rows.rowCount == 0 ? nil : model(rows, 0, withBytes: true)
    }

    /// Every version of `source`'s model, newest first, without their bytes.
    package static func list(source: String, on connection: Connection) throws(PostgresError) -> [StoredModel] {
        let rows = try connection.execute(
            """
            SELECT source, version, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), NULL::bytea,
                   length(bytes), checksum, metrics::text, active
            FROM vaewatch.models WHERE source = \(.text(source))
            ORDER BY version DESC
            """, binary: true)
        return (0..<rows.rowCount).map { model(rows, $0, withBytes: false) }
    }

    /// Marks a version active or not (an operator retiring a bad model).
    package static func setActive(_ active: Bool, source: String, version: Int, on connection: Connection)
        throws(PostgresError) -> Bool
    {
        let result = try connection.execute(
            """
            UPDATE vaewatch.models SET active = \(.bool(active))
            WHERE source = \(.text(source)) AND version = \(.integer(Int64(version)))
            """)
        return result.affectedRows == 1
    }

    private static func model(_ rows: QueryResult, _ row: Int, withBytes: Bool) -> StoredModel {
        StoredModel(
            source: rows.text(row, 0) ?? "", version: Int(rows.integer(row, 1) ?? 0),
            createdAt: rows.text(row, 2) ?? "",
            bytes: withBytes ? Array(rows.bytes(row, 3)) : [], size: Int(rows.integer(row, 4) ?? 0),
            checksum: rows.text(row, 5) ?? "", metrics: rows.text(row, 6) ?? "{}", active: rows.bool(row, 7) ?? false)
    }
}
