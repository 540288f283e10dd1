/// `vaewatch init-db` as one step: the migrations, the source's checks, its record in `vaewatch.sources` and the
/// trigger, all under one advisory lock, so that several runs at once queue up instead of racing on the trigger
/// (42710, 40P01).
package enum SourceSetup {
    /// What the trigger step did.
    package enum TriggerChange: Sendable, Equatable {
        /// Queue mode: the trigger is installed (or reinstalled).
        case installed
        /// Watermark mode: the trigger was there and is gone, with the source's queued keys.
        case removed
        /// Watermark mode: there was no trigger.
        case none
    }

    /// What a set-up did.
    package struct Outcome: Sendable {
        /// The migrations applied now (empty when the schema was current).
        package let applied: [Migration]
        /// The checked source table.
        package let table: ResolvedSource
        /// What happened to the trigger.
        package let trigger: TriggerChange
    }

    /// The advisory lock every `init-db` takes for its whole run.
    static let lock: Query = "hashtext('vaewatch:migrations')"

    /// Applies the migrations the database lacks, checks `source`, records it in `vaewatch.sources` and installs
    /// (queue mode) or removes (watermark mode) the trigger. A source already set up with another table, key or
    /// other columns is refused with what is set up now, unless `reconfigure` (which also drops its queued keys).
    package static func run(_ source: SourceTable, mode: SourceMode, reconfigure: Bool, on connection: Connection)
        throws(PostgresError) -> Outcome
    {
        try connection.execute("SELECT pg_advisory_lock(\(lock))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(lock))") }
        let applied = try Migrator.apply(on: connection)
        let table = try ResolvedSource.resolve(source, on: connection)
        let trigger = try connection.transaction { (connection) throws(PostgresError) -> TriggerChange in
            try record(table, mode: mode, reconfigure: reconfigure, on: connection)
            switch mode {
            case .queue:
                try QueueSource.installTrigger(table, on: connection)
                return .installed
            case .watermark:
                guard try QueueSource.hasTrigger(table, on: connection) else { return .none }
                try QueueSource.removeTrigger(table, on: connection)
                return .removed
            }
        }
        return Outcome(applied: applied, table: table, trigger: trigger)
    }

    /// The feature columns `init-db` recorded for the source named `source`; nil when it is not set up.
    package static func columns(ofSource source: String, on connection: Connection) throws(PostgresError) -> [String]? {
        let rows = try connection.execute(
            """
            SELECT c.name FROM vaewatch.sources s
            LEFT JOIN LATERAL unnest(s.columns) WITH ORDINALITY AS c (name, position) ON true
            WHERE s.source = \(.text(source)) ORDER BY c.position
            """)
        guard rows.rowCount > 0 else { return nil }
        return (0..<rows.rowCount).compactMap { rows.text($0, 0) }
    }

    /// Refuses to serve `table` in `mode` when the table is set up for the other mode (RELIABILITY U1): in queue
    /// mode without the trigger no new row would ever be scored; in watermark mode with it every insert would queue
    /// a key that nothing takes. The error (``PostgresError/Kind/configuration``) names both modes and the two ways
    /// out.
    package static func check(_ table: ResolvedSource, servedIn mode: SourceMode, on connection: Connection)
        throws(PostgresError)
    {
        let triggered = try QueueSource.hasTrigger(table, on: connection)
        guard triggered != (mode == .queue) else { return }
        // Only to word the message: a schema from before vaewatch.sources (migration 004) still gets the refusal.
        // Runs outside a transaction (at connect), so a failure leaves none aborted.
        let recorded =
            (try? connection.execute(
                "SELECT mode FROM vaewatch.sources WHERE source = \(.text(table.name))"
            ))?.text(0, 0)
        let setUp = triggered ? SourceMode.queue : .watermark
        let qualified = "\(table.schema).\(table.table)"
        let origin =
            recorded == setUp.rawValue
            ? "init-db set source \(table.name) up for \(setUp.rawValue) mode"
            : "the table has \(triggered ? "the" : "no") trigger vaewatch_enqueue"
        let consequence =
            mode == .queue
            ? "no new row would ever be queued for scoring"
            : "every insert would queue a key that nothing takes"
        throw PostgresError(
            .configuration,
            message: "\(qualified) is set up for \(setUp.rawValue) mode (\(origin)), but this daemon runs in "
                + "\(mode.rawValue) mode: \(consequence). Set source.mode: \(setUp.rawValue), or run `vaewatch "
                + "init-db --source \(qualified) --key \(table.key) --mode \(mode.rawValue)` to set the table up "
                + "for \(mode.rawValue) mode")
    }

    /// Records the source's set-up, refusing a change of table, key or columns unless `reconfigure`.
    private static func record(_ table: ResolvedSource, mode: SourceMode, reconfigure: Bool, on connection: Connection)
        throws(PostgresError)
    {
        let qualified = "\(table.schema).\(table.table)"
        let columns: QueryValue = .text("{" + table.columns.map(arrayElement).joined(separator: ",") + "}")
        let found = try connection.execute(
            """
            SELECT (source_table, key_column, columns) = (\(.text(qualified)), \(.text(table.key)), \(columns)::text[]),
                source_table, key_column, array_to_string(columns, ', '), set_up_at::text
            FROM vaewatch.sources WHERE source = \(.text(table.name)) FOR UPDATE
            """)
        if found.rowCount == 1, found.text(0, 0) != "t" {
            guard reconfigure else {
                let (oldTable, oldKey, oldColumns, when) =
                    (found.text(0, 1) ?? "?", found.text(0, 2) ?? "?", found.text(0, 3) ?? "", found.text(0, 4) ?? "?")
                throw PostgresError(
                    .configuration,
                    message: "source \(table.name) is set up (since \(when)) on \(oldTable) with key \(oldKey) and "
                        + "columns \(oldColumns); this run asks for \(qualified) with key \(table.key) and columns "
                        + "\(table.columns.joined(separator: ", ")). Run init-db with the set-up's key and columns, "
                        + "or add --reconfigure to replace it: its queued keys are dropped, and models trained on "
                        + "other columns no longer load")
            }
            try connection.execute("DELETE FROM vaewatch.queue WHERE source = \(.text(table.name))")
        }
        try connection.execute(
            """
            INSERT INTO vaewatch.sources (source, source_table, key_column, columns, mode)
            VALUES (\(.text(table.name)), \(.text(qualified)), \(.text(table.key)), \(columns)::text[], \(.text(mode.rawValue)))
            ON CONFLICT (source) DO UPDATE SET source_table = EXCLUDED.source_table,
                key_column = EXCLUDED.key_column, columns = EXCLUDED.columns, mode = EXCLUDED.mode,
                set_up_at = CASE WHEN (vaewatch.sources.source_table, vaewatch.sources.key_column,
                    vaewatch.sources.columns) = (EXCLUDED.source_table, EXCLUDED.key_column, EXCLUDED.columns)
                    THEN vaewatch.sources.set_up_at ELSE now() END
            """)
    }

    /// `name` as an element of an array literal: double-quoted, with `"` and `\` escaped by a backslash.
    private static func arrayElement(_ name: String) -> String {
        var quoted = "\""
        for character in name {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}
