/// A SQL statement whose interpolated values become `$n` parameters and whose interpolated identifiers are quoted
/// by the connection with `PQescapeIdentifier`:
///
/// ```swift
/// let query: Query = "SELECT \(identifier: column) FROM \(identifier: table) WHERE id > \(.integer(last))"
/// ```
package struct Query: Sendable, ExpressibleByStringInterpolation {
    /// One piece of the statement's text.
    enum Part: Sendable {
        case sql(String)
        case parameter(Int)
        case identifier(String)
    }

    private(set) var parts: [Part] = []
    /// The parameters, in `$n` order.
    package private(set) var parameters: [QueryValue] = []

    /// A statement with no parameters.
    package init(stringLiteral value: String) { parts = [.sql(value)] }

    /// A statement built by interpolation.
    package init(stringInterpolation: Interpolation) {
        parts = stringInterpolation.parts
        parameters = stringInterpolation.parameters
    }

    /// Appends `other`, renumbering its parameters after this statement's.
    package static func + (lhs: Query, rhs: Query) -> Query {
        var joined = lhs
        let offset = lhs.parameters.count
        for part in rhs.parts {
            if case .parameter(let index) = part {
                joined.parts.append(.parameter(index + offset))
            } else {
                joined.parts.append(part)
            }
        }
        joined.parameters += rhs.parameters
        return joined
    }

    /// Joins `queries` with `separator` between them.
    package static func joined(_ queries: [Query], separator: String) -> Query {
        guard var result = queries.first else { return "" }
        for query in queries.dropFirst() { result = result + Query(stringLiteral: separator) + query }
        return result
    }

    /// The text of the statement with `quote` applied to every identifier, and `$n` for every parameter.
    func text(quotingWith quote: (String) throws(PostgresError) -> String) throws(PostgresError) -> String {
        var text = ""
        for part in parts {
            switch part {
            case .sql(let sql): text += sql
            case .parameter(let index): text += "$\(index + 1)"
            case .identifier(let name): text += try quote(name)
            }
        }
        return text
    }

    /// Collects literal SQL, parameters and identifiers.
    package struct Interpolation: StringInterpolationProtocol {
        var parts: [Part] = []
        var parameters: [QueryValue] = []

        /// Reserves nothing; parts are few.
        package init(literalCapacity: Int, interpolationCount: Int) {}

        /// Literal SQL text.
        package mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { parts.append(.sql(literal)) }
        }

        /// A parameter: becomes `$n`.
        package mutating func appendInterpolation(_ value: QueryValue) {
            parameters.append(value)
            parts.append(.parameter(parameters.count - 1))
        }

        /// An identifier (a table, column or schema name), quoted by `PQescapeIdentifier`.
        package mutating func appendInterpolation(identifier: String) {
            parts.append(.identifier(identifier))
        }

        /// A qualified name (`schema.table`), each part quoted.
        package mutating func appendInterpolation(_ name: QualifiedName) {
            if let schema = name.schema {
                parts.append(.identifier(schema))
                parts.append(.sql("."))
            }
            parts.append(.identifier(name.name))
        }

        /// Another query, spliced in with its parameters renumbered.
        package mutating func appendInterpolation(_ query: Query) {
            let offset = parameters.count
            for part in query.parts {
                if case .parameter(let index) = part {
                    parts.append(.parameter(index + offset))
                } else {
                    parts.append(part)
                }
            }
            parameters += query.parameters
        }
    }
}

/// A table name with an optional schema, as given in configuration (`metrics` or `public.metrics`).
package struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    /// The schema, when given.
    package let schema: String?
    /// The table.
    package let name: String

    /// A name with an explicit schema.
    package init(schema: String?, name: String) {
        self.schema = schema
        self.name = name
    }

    /// Parses `schema.table` or `table`. The split is at the first dot; a name containing dots needs the
    /// explicit initializer.
    package init(parsing text: String) {
        if let dot = text.firstIndex(of: "."), dot != text.startIndex, text.index(after: dot) != text.endIndex {
            schema = String(text[..<dot])
            name = String(text[text.index(after: dot)...])
        } else {
            schema = nil
            name = text
        }
    }

    /// `schema.table` or `table`, unquoted, as the user wrote it.
    package var description: String { schema.map { $0 + "." + name } ?? name }
}
