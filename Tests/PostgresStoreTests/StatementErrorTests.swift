import PostgresStore
import TestSupport
import Testing

/// Statement errors carry the server's SQLSTATE, are classified by it, and never carry parameter values.
@Suite("PostgresStore: statement errors")
struct StatementErrorTests {
    @Test("42P01 undefined table is an undefined object, not row data; the connection stays usable")
    func undefinedTable() throws {
        let connection = try TestDatabase().connect()
        let error = try #require(postgresError { try connection.execute("SELECT * FROM no_such_table") })
        #expect(error.kind == .statement)
        #expect(error.sqlState == SQLState("42P01"))
        #expect(error.sqlState?.isUndefinedObject == true && error.sqlState?.isRowData == false)
        #expect(error.message.contains("no_such_table"))
        #expect(error.description.contains("(SQLSTATE 42P01)"))
        #expect(!error.needsReconnect)
        #expect(connection.isOpen)
        #expect(try connection.execute("SELECT 1").text(0, 0) == "1")

        let column = try #require(postgresError { try connection.execute("SELECT no_such_column FROM pg_class") })
        #expect(column.sqlState?.code == "42703" && column.sqlState?.isUndefinedObject == true)
    }

    @Test("23505 unique violation and 22012 division by zero are row-data errors")
    func rowDataErrors() throws {
        let connection = try TestDatabase().connect()
        try connection.execute("CREATE TABLE t (id int PRIMARY KEY, note text)")
        try connection.execute("INSERT INTO t VALUES (1, 'first')")
        let duplicate = try #require(postgresError { try connection.execute("INSERT INTO t VALUES (1, 'again')") })
        #expect(duplicate.kind == .statement && duplicate.sqlState?.code == "23505")
        #expect(duplicate.sqlState?.errorClass == "23" && duplicate.sqlState?.isRowData == true)
        #expect(duplicate.detail?.contains("already exists") == true, "the server's DETAIL is kept")
        #expect(duplicate.sqlState?.isTransient == false)

        let division = try #require(postgresError { try connection.execute("SELECT 1 / \(.integer(0))") })
        #expect(division.sqlState?.code == "22012" && division.sqlState?.isRowData == true)
        #expect(division.message == "division by zero")
    }

    @Test("40001 and 40P01 raised by the server are transient; the classification table holds")
    func transientClassification() throws {
        let connection = try TestDatabase().connect()
        for code in ["40001", "40P01", "55P03"] {
            let error = try #require(
                postgresError {
                    try connection.execute(
                        Query(stringLiteral: "DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '\(code)'; END $$"))
                })
            #expect(error.kind == .statement && error.sqlState?.code == code)
            #expect(error.sqlState?.isTransient == true, "\(code) is worth a retry")
            #expect(error.sqlState?.isRowData == false)
        }
        #expect(SQLState("40001").isTransient && SQLState("40P01").isTransient && SQLState("57014").isTransient)
        #expect(!SQLState("23505").isTransient && !SQLState("42P01").isTransient)
        #expect(SQLState("57P01").isServerUnavailable && SQLState("53300").isServerUnavailable)
        #expect(!SQLState("57014").isServerUnavailable)
        #expect(SQLState("28P01").isAuthorization && !SQLState("42501").isAuthorization)
        #expect(SQLState("3F000").isUndefinedObject && SQLState("22P02").errorClass == "22")
    }

    @Test("error messages never carry parameter values")
    func parametersStayOutOfMessages() throws {
        let connection = try TestDatabase().connect()
        let secret = "secret-value-123"
        try connection.execute("CREATE TABLE t (id int PRIMARY KEY, note text, CHECK (id < 100))")
        try connection.execute("INSERT INTO t VALUES (1, 'first')")
        let statements: [Query] = [
            "INSERT INTO t VALUES (\(.integer(1)), \(.text(secret)))",
            "SELECT \(.text(secret))::text, 1 / \(.integer(0))",
            "SELECT note FROM missing WHERE note = \(.text(secret))",
            "SELECT \(.text(secret))::text FROM t WHERE id = \(.text("not a number"))::int",
        ]
        for statement in statements {
            let error = try #require(postgresError { try connection.execute(statement) })
            #expect(!error.description.contains(secret), "\(error)")
            #expect(error.kind == .statement)
        }
        // The server itself quotes a value it cannot parse; our wrapper must add nothing to its message.
        let parse = try #require(postgresError { try connection.execute("SELECT \(.text(secret))::int") })
        #expect(parse.sqlState?.code == "22P02")
        #expect(parse.message == "invalid input syntax for type integer: \"\(secret)\"")
        #expect(parse.description.split(separator: secret, omittingEmptySubsequences: false).count == 2)
        // A CHECK violation's DETAIL from the server lists the failing row, values included: only there.
        let check = try #require(
            postgresError { try connection.execute("INSERT INTO t VALUES (\(.integer(500)), \(.text(secret)))") })
        print("CHECK violation as reported: \(check)")
        #expect(check.sqlState?.code == "23514" && !check.message.contains(secret))
        #expect(
            check.detail == "detail: Failing row contains (500, \(secret)).",
            "the server's DETAIL, passed through as is")
    }
}
