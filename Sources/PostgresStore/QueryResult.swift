internal import CLibPQ

/// The rows of a finished statement. Values are read in the format the statement asked for: text, or binary for
/// the typed accessors (``double(_:_:)``, ``integer(_:_:)``).
package final class QueryResult {
    private let result: OpaquePointer
    /// Rows returned.
    package let rowCount: Int
    /// Columns per row.
    package let columnCount: Int

    init(_ result: OpaquePointer) {
        self.result = result
        rowCount = Int(PQntuples(result))
        columnCount = Int(PQnfields(result))
    }

    deinit { PQclear(result) }

    /// Rows the command affected (INSERT, UPDATE, DELETE, COPY), from its command tag; 0 when it has none.
    package var affectedRows: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    /// The command tag, for example `INSERT 0 5` or `COMMIT` (`ROLLBACK` when a COMMIT found the transaction
    /// failed).
    package var commandTag: String { String(cString: PQcmdStatus(result)) }

    /// Whether the value at (`row`, `column`) is NULL.
    package func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    /// The raw bytes of the value at (`row`, `column`); empty for NULL.
    package func bytes(_ row: Int, _ column: Int) -> UnsafeRawBufferPointer {
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        guard let start = PQgetvalue(result, Int32(row), Int32(column)) else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: start, count: length)
    }

    /// The value at (`row`, `column`) as text (text format, or a binary `text` column); nil for NULL.
    package func text(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : String(decoding: bytes(row, column), as: UTF8.self)
    }

    /// A binary-format `float8` value; nil for NULL.
    package func double(_ row: Int, _ column: Int) -> Double? {
        guard !isNull(row, column) else { return nil }
        let raw = bytes(row, column)
        precondition(raw.count == 8, "QueryResult.double: column \(column) is not a binary float8")
        return Double(bitPattern: UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)))
    }

    /// A binary-format `int8`, `int4` or `int2` value; nil for NULL.
    package func integer(_ row: Int, _ column: Int) -> Int64? {
        guard !isNull(row, column) else { return nil }
        let raw = bytes(row, column)
        switch raw.count {
        case 8: return Int64(bigEndian: raw.loadUnaligned(as: Int64.self))
        case 4: return Int64(Int32(bigEndian: raw.loadUnaligned(as: Int32.self)))
        case 2: return Int64(Int16(bigEndian: raw.loadUnaligned(as: Int16.self)))
        default: preconditionFailure("QueryResult.integer: column \(column) is not a binary integer")
        }
    }

    /// A binary-format `bool` value; nil for NULL.
    package func bool(_ row: Int, _ column: Int) -> Bool? {
        isNull(row, column) ? nil : bytes(row, column).first == 1
    }

    /// The column's name.
    package func columnName(_ column: Int) -> String { String(cString: PQfname(result, Int32(column))) }
}
