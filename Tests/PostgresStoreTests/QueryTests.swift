import PostgresStore
import TestSupport
import Testing

/// Values travel as `$n` parameters beside the SQL text, never spliced into it, and come back unchanged.
@Suite("PostgresStore: parameters and results")
struct QueryTests {
    /// Texts that break naive quoting: quotes, backslashes, unicode, the empty string, SQL and `$n` look-alikes.
    static let awkwardTexts = [
        "it's", "say \"hi\"", "back\\slash \\n \\\\", "naïve 日本語 🎉", "", "'; DROP TABLE t; --", "$1",
        "line\nbreak\ttab",
        "E'\\x00'",
    ]

    @Test("text parameters round-trip unchanged, in text and binary results")
    func textRoundTrip() throws {
        let connection = try TestDatabase().connect()
        for text in Self.awkwardTexts {
            let query: Query = "SELECT \(.text(text))::text, octet_length(\(.text(text))::text)"
            #expect(try connection.render(query) == "SELECT $1::text, octet_length($2::text)")
            let result = try connection.execute(query)
            #expect(result.text(0, 0) == text)
            #expect(result.text(0, 1) == String(text.utf8.count), "the server saw exactly the bytes of \(text)")
            #expect(try connection.execute(query, binary: true).text(0, 0) == text)
        }
    }

    @Test("NULL, integers, doubles and booleans round-trip")
    func scalarRoundTrip() throws {
        let connection = try TestDatabase().connect()
        let nulls = try connection.execute("SELECT \(.null)::text IS NULL, \(.null)::int8", binary: true)
        #expect(nulls.bool(0, 0) == true)
        #expect(nulls.isNull(0, 1) && nulls.integer(0, 1) == nil && nulls.text(0, 1) == nil)

        for value: Int64 in [0, 1, -1, 42, Int64.max, Int64.min] {
            #expect(try connection.execute("SELECT \(.integer(value))::int8", binary: true).integer(0, 0) == value)
            #expect(try connection.execute("SELECT \(.integer(value))::int8").text(0, 0) == String(value))
        }
        let doubles: [Double] = [
            0, -0.0, 0.1, 1.0 / 3.0, -1.5e300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity,
        ]
        for value in doubles {
            let back = try connection.execute("SELECT \(.double(value))::float8", binary: true).double(0, 0)
            #expect(back?.bitPattern == value.bitPattern, "\(value) came back as \(String(describing: back))")
        }
        #expect(try connection.execute("SELECT \(.double(.nan))::float8", binary: true).double(0, 0)?.isNaN == true)
        for value in [true, false] {
            #expect(try connection.execute("SELECT \(.bool(value))::bool", binary: true).bool(0, 0) == value)
        }
    }

    @Test("bytea parameters are sent in binary and come back byte for byte")
    func byteaRoundTrip() throws {
        let connection = try TestDatabase().connect()
        var random = SplitMix64(seed: 11)
        let samples: [[UInt8]] = [
            Array(0...255), [0, 0, 0], [0xFF], [], (0..<100_000).map { _ in UInt8(truncatingIfNeeded: random.next()) },
        ]
        for bytes in samples {
            let result = try connection.execute(
                "SELECT \(.bytes(bytes))::bytea, octet_length(\(.bytes(bytes))::bytea)", binary: true)
            #expect(!result.isNull(0, 0))
            #expect(Array(result.bytes(0, 0)) == bytes)
            #expect(result.integer(0, 1) == Int64(bytes.count))
        }
    }

    @Test("text and integer arrays round-trip through unnest, element by element")
    func arrayRoundTrip() throws {
        let connection = try TestDatabase().connect()
        let texts = [
            "a\"b", "c\\d", "e,f", "{g}", "", "NULL", " spaced ", "ü", "a\\\"b", "}{,\"\\", "x y", "'quoted'",
        ]
        let rows = try connection.execute(
            "SELECT u FROM unnest(\(.textArray(texts))::text[]) WITH ORDINALITY AS x(u, n) ORDER BY n")
        #expect(rows.rowCount == texts.count)
        #expect((0..<rows.rowCount).map { rows.text($0, 0) } == texts.map(Optional.some), "\"NULL\" stays a string")
        #expect(try connection.execute("SELECT cardinality(\(.textArray([]))::text[])").text(0, 0) == "0")

        let integers: [Int64] = [3, -5, Int64.max, 0, Int64.min]
        let numbers = try connection.execute(
            "SELECT x FROM unnest(\(.integerArray(integers))::bigint[]) WITH ORDINALITY AS u(x, n) ORDER BY n",
            binary: true)
        #expect((0..<numbers.rowCount).map { numbers.integer($0, 0) } == integers.map(Optional.some))
        #expect(try connection.execute("SELECT cardinality(\(.integerArray([]))::bigint[])").text(0, 0) == "0")
    }

    @Test("concatenated, joined and nested queries renumber their parameters")
    func concatenationRenumbers() throws {
        let connection = try TestDatabase().connect()
        let head: Query = "SELECT \(.text("a")) || "
        let tail: Query = "\(.text("b")) || \(.text("c"))"
        let joined = head + tail
        #expect(joined.parameters == [.text("a"), .text("b"), .text("c")])
        #expect(try connection.render(joined) == "SELECT $1 || $2 || $3")
        #expect(try connection.execute(joined).text(0, 0) == "abc")

        let sum = Query("SELECT ") + Query.joined([Int64(1), 2, 3].map { "\(.integer($0))::int" }, separator: " + ")
        #expect(try connection.render(sum) == "SELECT $1::int + $2::int + $3::int")
        #expect(try connection.execute(sum).text(0, 0) == "6")

        let inner: Query = "\(.integer(40))::int + \(.integer(2))::int"
        let outer: Query = "SELECT \(.text("x")), \(inner), \(.text("y"))"
        #expect(try connection.render(outer) == "SELECT $1, $2::int + $3::int, $4")
        let result = try connection.execute(outer)
        #expect([result.text(0, 0), result.text(0, 1), result.text(0, 2)] == ["x", "42", "y"])
        #expect(Query.joined([], separator: ",").parameters.isEmpty)
    }

    @Test("identifiers are quoted by PQescapeIdentifier; qualified names quote each part")
    func identifiersAreQuoted() throws {
        let connection = try TestDatabase().connect()
        let query: Query =
            "SELECT \(identifier: "a b") FROM \(QualifiedName(schema: "s", name: "T")), \(QualifiedName(parsing: "u"))"
        #expect(try connection.render(query) == #"SELECT "a b" FROM "s"."T", "u""#)
        #expect(QualifiedName(parsing: "public.metrics") == QualifiedName(schema: "public", name: "metrics"))
        #expect(QualifiedName(parsing: ".x").schema == nil && QualifiedName(parsing: "x.").schema == nil)
    }

    @Test("a text parameter holding a NUL byte is refused before sending, without echoing it")
    func nulByteRefused() throws {
        let connection = try TestDatabase().connect()
        let error = postgresError { try connection.execute("SELECT \(.text("secret\u{0}value"))::text") }
        #expect(error?.kind == .statement)
        #expect(error?.message.contains("NUL byte") == true, "\(String(describing: error))")
        #expect(error?.description.contains("secret") == false)
        #expect(error?.needsReconnect == false)
        #expect(connection.isOpen)
        #expect(try connection.execute("SELECT \(.bytes([0, 1, 0]))::bytea", binary: true).bytes(0, 0).count == 3)
    }

    @Test("binary accessors read float8, int2/int4/int8, bool and text; NULL reads as nil")
    func binaryAccessors() throws {
        let connection = try TestDatabase().connect()
        let result = try connection.execute(
            #"""
            SELECT 1.5::float8 AS "Weird ""Name""", 7::int2, (-8)::int4, 9000000000::int8, true, false, 'héllo'::text,
                   NULL::float8, NULL::int4, NULL::bool, (-32768)::int2
            """#, binary: true)
        #expect(result.rowCount == 1 && result.columnCount == 11)
        #expect(result.columnName(0) == "Weird \"Name\"")
        #expect(result.double(0, 0) == 1.5)
        #expect(result.integer(0, 1) == 7)
        #expect(result.integer(0, 2) == -8)
        #expect(result.integer(0, 3) == 9_000_000_000)
        #expect(result.bool(0, 4) == true)
        #expect(result.bool(0, 5) == false)
        #expect(result.text(0, 6) == "héllo")
        #expect(result.double(0, 7) == nil && result.integer(0, 8) == nil && result.bool(0, 9) == nil)
        #expect(result.integer(0, 10) == -32768)
    }

    @Test("commandTag and affectedRows report what the command did")
    func commandTags() throws {
        let connection = try TestDatabase().connect()
        let created = try connection.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        #expect(created.commandTag == "CREATE TABLE" && created.affectedRows == 0)
        let inserted = try connection.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        #expect(inserted.commandTag == "INSERT 0 3" && inserted.affectedRows == 3)
        let updated = try connection.execute("UPDATE t SET v = v || '!' WHERE id > \(.integer(1))")
        #expect(updated.commandTag == "UPDATE 2" && updated.affectedRows == 2)
        let deleted = try connection.execute("DELETE FROM t WHERE id = \(.integer(1))")
        #expect(deleted.commandTag == "DELETE 1" && deleted.affectedRows == 1)
        let selected = try connection.execute("SELECT v FROM t ORDER BY id")
        #expect(selected.commandTag == "SELECT 2" && selected.rowCount == 2 && selected.text(1, 0) == "c!")

        try connection.execute("BEGIN")
        #expect(postgresError { try connection.execute("INSERT INTO t VALUES (2, 'dup')") }?.sqlState?.code == "23505")
        let commit = try connection.execute("COMMIT")
        #expect(commit.commandTag == "ROLLBACK", "a COMMIT of a failed transaction answers ROLLBACK")
        #expect(try connection.execute("SELECT count(*) FROM t").text(0, 0) == "2")
    }
}
