/// The user's table as configured: its name, key column and feature columns.
package struct SourceTable: Sendable, Equatable {
    /// The table, optionally schema-qualified.
    package var table: QualifiedName
    /// The key column: unique, ordered (watermark mode pages by it), and the `source_id` of every verdict.
    package var key: String
    /// The feature columns, in model order; empty means every numeric column but the key.
    package var columns: [String]
    /// The name verdicts, queue rows and watermarks carry; by default `schema.table`.
    package var name: String?
    /// The column that holds each row's time (`source.time_column`), whose time of day and day of week are inputs of
    /// the model; nil for none.
    package var timeColumn: String?

    /// A source table.
    package init(
        table: QualifiedName, key: String, columns: [String] = [], name: String? = nil, timeColumn: String? = nil
    ) {
        self.table = table
        self.key = key
        self.columns = columns
        self.name = name
        self.timeColumn = timeColumn
    }
}

/// A ``SourceTable`` checked against the catalog: the table exists, the key and every feature column exist, every
/// feature column is numeric, and the time column, if any, holds points in time or seconds since 1970. The queries
/// built from it quote every name with `PQescapeIdentifier`.
package struct ResolvedSource: Sendable, Equatable {
    /// The table's object id in `pg_class`.
    package let oid: String
    /// The table's schema, as the catalog has it.
    package let schema: String
    /// The table's name, as the catalog has it.
    package let table: String
    /// The key column.
    package let key: String
    /// The key column's type, as `format_type` prints it (for example `bigint`); it comes from the catalog, never
    /// from configuration, and casts queue keys back to the key's type so the key's index is used.
    package let keyType: String
    /// The feature columns, in model order.
    package let columns: [String]
    /// Which feature (or time) columns are `numeric` (their values may not fit a double; see
    /// ``featureExpression(_:)``).
    package private(set) var numericColumns: Set<String>
    /// The source's name in vaewatch's tables.
    package let name: String
    /// The column that holds each row's time, read as seconds since 1970 after the features; nil for none.
    package var timeColumn: String? = nil
    /// Whether ``timeColumn`` holds points in time (`timestamptz`, `timestamp`, `date`), read as their seconds since
    /// 1970 (UTC, as the session's time zone is), rather than seconds since 1970 in a number column.
    var timeIsPointInTime = false

    /// The table as a qualified name for queries.
    package var qualified: QualifiedName { QualifiedName(schema: schema, name: table) }

    /// Types a feature column may have.
    static let featureTypes: Set<String> = ["smallint", "integer", "bigint", "real", "double precision", "numeric"]

    /// Looks `source` up in the catalog and checks it; the errors say what is wrong and what to do.
    package static func resolve(_ source: SourceTable, on connection: Connection) throws(PostgresError)
        -> ResolvedSource
    {
        let schemaValue: QueryValue = source.table.schema.map { .text($0) } ?? .null
        let found = try connection.execute(
            """
            SELECT c.oid::text, n.nspname, c.relname FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname = \(.text(source.table.name)) AND c.relkind IN ('r', 'p')
              AND (\(schemaValue)::text IS NULL AND pg_catalog.pg_table_is_visible(c.oid)
                   OR n.nspname = \(schemaValue)::text)
            """)
        guard found.rowCount == 1, let oid = found.text(0, 0), let schema = found.text(0, 1),
            let table = found.text(0, 2)
        else {
            throw PostgresError(
                .configuration,
                message: "source table \(source.table) not found in \(connection.target); check the name (and "
                    + "schema), that it is a table, and that this role may see it")
        }
        let attributes = try TableColumn.read(ofTable: oid, on: connection)
        let types = Dictionary(attributes.map { ($0.name, $0.type) }, uniquingKeysWith: { $1 })
        let order = attributes.map(\.name)
        let qualifiedName = "\(schema).\(table)"
        guard let keyType = types[source.key] else {
            throw PostgresError(
                .configuration,
                message: "key column \(source.key) is not a column of \(qualifiedName); its columns are "
                    + order.joined(separator: ", "))
        }
        let featureType = { (type: String) -> String in
            type.hasPrefix("numeric") ? "numeric" : type
        }
        try checkUnique(key: source.key, of: oid, named: qualifiedName, on: connection)
        var columns = source.columns
        if columns.isEmpty {
            columns = order.filter {
                $0 != source.key && $0 != source.timeColumn && featureTypes.contains(featureType(types[$0]!))
            }
            guard !columns.isEmpty else {
                throw PostgresError(
                    .configuration, message: "\(qualifiedName) has no numeric column besides the key \(source.key)")
            }
        }
        var numeric: Set<String> = []
        for column in columns {
            guard let type = types[column] else {
                throw PostgresError(
                    .configuration,
                    message: "feature column \(column) is not a column of \(qualifiedName); its columns are "
                        + order.joined(separator: ", "))
            }
            guard featureTypes.contains(featureType(type)) else {
                throw PostgresError(
                    .configuration,
                    message: "feature column \(column) of \(qualifiedName) has type \(type); features must be "
                        + "smallint, integer, bigint, real, double precision or numeric")
            }
            if column == source.key {
                throw PostgresError(.configuration, message: "the key column \(column) cannot also be a feature")
            }
            if featureType(type) == "numeric" { numeric.insert(column) }
        }
        guard Set(columns).count == columns.count else {
            throw PostgresError(.configuration, message: "a feature column is listed twice in \(columns)")
        }
        var resolved = ResolvedSource(
            oid: oid, schema: schema, table: table, key: source.key, keyType: keyType, columns: columns,
            numericColumns: numeric, name: source.name ?? qualifiedName)
        if let time = source.timeColumn {
            let typeNames = Dictionary(attributes.map { ($0.name, $0.typeName) }, uniquingKeysWith: { $1 })
            let pointsInTime = attributes.filter { SourceTimeColumn.timeTypes.contains($0.typeName) }.map(\.name)
            let choices =
                pointsInTime.isEmpty
                ? "it has no timestamptz, timestamp or date column"
                : "its date/time columns are " + pointsInTime.joined(separator: ", ")
            guard let type = types[time], let typeName = typeNames[time] else {
                throw PostgresError(
                    .configuration,
                    message: "time column \(time) is not a column of \(qualifiedName); \(choices) (source.time_column)")
            }
            if columns.contains(time) {
                throw PostgresError(
                    .configuration,
                    message: "column \(time) cannot be both a feature and the time column: a time is an input of the "
                        + "model, never a feature to explain; leave it out of source.columns")
            }
            resolved.timeColumn = time
            resolved.timeIsPointInTime = SourceTimeColumn.timeTypes.contains(typeName)
            if !resolved.timeIsPointInTime {
                guard featureTypes.contains(featureType(type)) else {
                    throw PostgresError(
                        .configuration,
                        message: "time column \(time) of \(qualifiedName) has type \(type); a time column is a "
                            + "timestamptz, timestamp or date, or a number of seconds since 1970; \(choices)")
                }
                if featureType(type) == "numeric" { resolved.numericColumns.insert(time) }
            }
        }
        return resolved
    }

    /// Checks that `key` alone has a unique index (a primary key or a unique constraint, with no predicate): a key
    /// that repeats would give one verdict to several rows, and a queue or a watermark could never tell them apart.
    private static func checkUnique(key: String, of oid: String, named table: String, on connection: Connection)
        throws(PostgresError)
    {
        let unique = try connection.execute(
            """
            SELECT count(*) FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = \(.text(oid))::oid AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL
              AND i.indexprs IS NULL AND a.attname = \(.text(key))
            """)
        guard unique.text(0, 0) == "0" else { return }
        throw PostgresError(
            .configuration,
            message: "key column \(key) of \(table) has no unique index of its own, so two rows could share a key "
                + "and a verdict; use the primary key (a column that is unique alone), or add one: ALTER TABLE "
                + "\(table) ADD UNIQUE (\(key))")
    }

    /// The SELECT expression for feature `column` of alias `s` as `float8`. The conversion of a `numeric` fails for
    /// a value beyond the range of a double, and for one too small for it (`1e-400`: 22003, underflow), which would
    /// fail every batch that holds the row. So a value beyond the range becomes `Infinity` (numeric NaN stays NaN),
    /// which the source rejects as non-finite, and one below 1e-300 becomes 0, which it is as a float32 feature.
    func featureExpression(_ column: String) -> Query {
        if numericColumns.contains(column) {
            return """
                CASE WHEN s.\(identifier: column) IS NULL THEN NULL WHEN s.\(identifier: column) = 'NaN' THEN 'NaN'::float8 \
                WHEN abs(s.\(identifier: column)) > 1e308 THEN 'Infinity'::float8 \
                WHEN abs(s.\(identifier: column)) < 1e-300 THEN 0::float8 ELSE s.\(identifier: column)::float8 END
                """
        }
        return "s.\(identifier: column)::float8"
    }

    /// Every feature expression, then the time's when there is a time column, comma-separated: the columns a
    /// ``SourceBatch`` reads from `firstFeature` on.
    var recordList: Query {
        var expressions = columns.map(featureExpression)
        if let timeColumn { expressions.append(timeExpression(timeColumn)) }
        return Query.joined(expressions, separator: ", ")
    }

    /// How many columns ``recordList`` selects.
    var recordListCount: Int { columns.count + (timeColumn == nil ? 0 : 1) }

    /// `f0, f1, …` with `prefix`: names for the columns of ``recordList`` where a subquery selects them.
    func recordAliases(prefix: String) -> Query {
        Query(stringLiteral: (0..<recordListCount).map { "\(prefix)f\($0)" }.joined(separator: ", "))
    }

    /// The SELECT expression for time column `column` of alias `s`, as seconds since 1970 in a `float8`: the epoch of
    /// a point in time (a `timestamp` without a zone is read as UTC, as the session's time zone is; a `date` at its
    /// midnight; `infinity` becomes `Infinity`, which the source rejects), or the number itself.
    func timeExpression(_ column: String) -> Query {
        timeIsPointInTime ? "extract(epoch FROM s.\(identifier: column))::float8" : featureExpression(column)
    }

    /// The key's type as SQL text. It comes from `format_type`, so it is the catalog's own spelling.
    var keyTypeSQL: Query { Query(stringLiteral: keyType) }
}
