/// A date/time column of a source's table, checked against the catalog, with what joins each verdict to its row:
/// the table and key column that `init-db` recorded in `vaewatch.sources`, and the key's type (a verdict's
/// `source_id` is the key as text; cast back to the key's type, the key's index finds the row).
package struct SourceTimeColumn: Sendable, Equatable {
    /// The source table.
    package let table: QualifiedName
    /// The key column.
    package let key: String
    /// The key column's type, as `format_type` prints it; it comes from the catalog, never from the user.
    package let keyType: String
    /// The time column.
    package let column: String

    /// The types a time column may have (`pg_type.typname`): points in time, which a report draws as UTC.
    static let timeTypes = ["timestamptz", "timestamp", "date"]

    /// The key's type as SQL text, from the catalog's own spelling.
    var keyTypeSQL: Query { Query(stringLiteral: keyType) }

    /// Looks up column `column` of the table that `init-db` set up for `source`. A source that is not in
    /// `vaewatch.sources`, a table that is gone, and a column that is missing or not a `timestamptz`, `timestamp` or
    /// `date` are ``PostgresError/Kind/configuration`` errors; the last two name the table's date/time columns.
    package static func resolve(source: String, column: String, on connection: Connection) throws(PostgresError)
        -> SourceTimeColumn
    {
        let setUp = try connection.execute(
            """
            SELECT s.source_table, s.key_column, c.oid::text, n.nspname, c.relname
            FROM vaewatch.sources s
            LEFT JOIN (pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace)
                ON c.relkind IN ('r', 'p') AND n.nspname || '.' || c.relname = s.source_table
            WHERE s.source = \(.text(source))
            """)
        guard setUp.rowCount > 0, let tableName = setUp.text(0, 0), let key = setUp.text(0, 1) else {
            throw PostgresError(
                .configuration,
                message: "source \(source) is not in vaewatch.sources, so its verdicts cannot be joined to their rows "
                    + "for --time-column; set it up with vaewatch init-db, or leave --time-column out to draw the "
                    + "time each verdict was scored")
        }
        guard let oid = setUp.text(0, 2), let schema = setUp.text(0, 3), let relation = setUp.text(0, 4) else {
            throw PostgresError(
                .configuration,
                message: "source \(source) was set up on table \(tableName), which is no longer there; leave "
                    + "--time-column out to draw the time each verdict was scored")
        }
        let attributes = try TableColumn.read(ofTable: oid, on: connection)
        let types = Dictionary(
            attributes.map { ($0.name, (shown: $0.type, name: $0.typeName)) }, uniquingKeysWith: { $1 })
        let timeColumns = attributes.filter { timeTypes.contains($0.typeName) }.map(\.name)
        let qualified = "\(schema).\(relation)"
        let choices =
            timeColumns.isEmpty
            ? "it has no timestamptz, timestamp or date column; leave --time-column out to draw the time each verdict "
                + "was scored"
            : "its date/time columns are " + timeColumns.joined(separator: ", ")
        guard let type = types[column] else {
            throw PostgresError(.configuration, message: "\(qualified) has no column \(column); \(choices)")
        }
        guard timeTypes.contains(type.name) else {
            throw PostgresError(
                .configuration,
                message: "column \(column) of \(qualified) has type \(type.shown), not timestamptz, timestamp or "
                    + "date; \(choices)")
        }
        guard let keyType = types[key]?.shown else {
            throw PostgresError(
                .configuration,
                message: "key column \(key) of source \(source) is no longer a column of \(qualified); run vaewatch "
                    + "init-db on the source again")
        }
        return SourceTimeColumn(
            table: QualifiedName(schema: schema, name: relation), key: key, keyType: keyType, column: column)
    }
}
