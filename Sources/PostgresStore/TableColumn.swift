/// A column of a table as the catalog describes it.
struct TableColumn: Sendable, Equatable {
    /// Its name.
    let name: String
    /// Its type as `format_type` prints it, e.g. `double precision` or `numeric(10,2)`.
    let type: String
    /// Its type's `pg_type.typname`, e.g. `float8` or `timestamptz`.
    let typeName: String

    /// The live columns of the table with `oid`, in column order.
    static func read(ofTable oid: String, on connection: Connection) throws(PostgresError) -> [TableColumn] {
        let attributes = try connection.execute(
            """
            SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), t.typname
            FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = \(.text(oid))::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """)
        return (0..<attributes.rowCount).compactMap { row in
            guard let name = attributes.text(row, 0), let type = attributes.text(row, 1),
                let typeName = attributes.text(row, 2)
            else { return nil }
            return TableColumn(name: name, type: type, typeName: typeName)
        }
    }
}
