import PostgresStore
import TestSupport
import Testing

/// `COPY … FROM STDIN` through ``Connection/copyIn(_:data:)`` (finding L11: one bad row fails the whole COPY).
@Suite("PostgresStore: COPY FROM STDIN")
struct CopyTests {
    @Test("10,000 rows of text COPY (several 64 KiB chunks) arrive, escapes included")
    func copiesTenThousandRows() throws {
        let connection = try TestDatabase().connect()
        try connection.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        var text = ""
        for i in 0..<10_000 { text += "\(i)\tvalue \(i) with \\t tab and \\\\ backslash\n" }
        let data = Array(text.utf8)
        #expect(data.count > 3 << 16)
        let (result, elapsed) = timed { try connection.copyIn("COPY t (id, v) FROM STDIN") { data } }
        print("COPY of 10,000 text rows (\(data.count) bytes): \(elapsed) s")
        #expect(try result.get() == 10_000)
        #expect(try connection.execute("SELECT count(*), sum(id) FROM t").text(0, 1) == "49995000")
        #expect(
            try connection.execute("SELECT v FROM t WHERE id = 7").text(0, 0) == "value 7 with \t tab and \\ backslash")
    }

    @Test("a bad row fails the whole COPY with 22P02; 0 rows; the connection works after ROLLBACK")
    func badRowFailsWholeCopy() throws {
        let connection = try TestDatabase().connect()
        try connection.execute("CREATE TABLE t (v int)")
        try connection.execute("BEGIN")
        let error = try #require(
            postgresError { try connection.copyIn("COPY t (v) FROM STDIN") { Array("1\n2\nabc\n4\n".utf8) } })
        print("bad COPY row: \(error)")
        #expect(error.kind == .statement)
        #expect(error.sqlState?.code == "22P02" && error.sqlState?.isRowData == true)
        #expect(error.message.contains("abc"), "the server names the bad value")
        #expect(connection.isOpen)
        try connection.execute("ROLLBACK")
        #expect(try connection.execute("SELECT count(*) FROM t").text(0, 0) == "0")

        #expect(postgresError { try connection.copyIn("COPY t (v) FROM STDIN") { Array("5\nx\n".utf8) } } != nil)
        #expect(try connection.execute("SELECT count(*) FROM t").text(0, 0) == "0", "autocommit: still 0 rows")
        #expect(try connection.copyIn("COPY t (v) FROM STDIN") { Array("5\n6\n".utf8) } == 2)
    }

    @Test("copyIn refuses a statement that is not COPY FROM STDIN and keeps the connection")
    func copyInRefusesOtherStatements() throws {
        let connection = try TestDatabase().connect()
        try connection.execute("CREATE TABLE t (v int)")
        let notCopy = try #require(postgresError { try connection.copyIn("SELECT 1") { [] } })
        #expect(notCopy.kind == .statement && notCopy.message.contains("COPY"))
        #expect(try connection.execute("SELECT 2").text(0, 0) == "2")
        #expect(try connection.copyIn("COPY t FROM STDIN") { [] } == 0, "an empty COPY copies 0 rows")
    }

    /// `execute` aborts a COPY it did not expect; the server answers the abort with 57014, which counts as
    /// transient, so passing it on would make a caller retry a statement that can never succeed.
    @Test("execute of COPY FROM STDIN says to use copyIn instead of passing on a transient 57014")
    func executeRefusesCopy() throws {
        let connection = try TestDatabase().connect()
        try connection.execute("CREATE TABLE t (v int)")
        let copy = try #require(postgresError { try connection.execute("COPY t FROM STDIN") })
        #expect(copy.kind == .statement)
        #expect(copy.message.contains("copyIn"), "\(copy)")
        #expect(copy.sqlState?.isTransient != true, "a caller must not retry this forever")
        #expect(connection.isOpen)
        #expect(try connection.execute("SELECT count(*) FROM t").text(0, 0) == "0")
    }
}
