import ArgumentParser
import PostgresStore

/// Where the database is and which table is the source, shared by the PostgreSQL commands.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "libpq connection string or URI, e.g. 'host=/run/postgresql dbname=metrics'. Empty uses libpq's "
                + "defaults (PGHOST, PGDATABASE, PGUSER, PGSERVICE…). Keep passwords in ~/.pgpass or PGPASSFILE, "
                + "never here.",
            valueName: "conninfo"))
    var conninfo = ""

    @Option(
        name: .customLong("source"),
        help: ArgumentHelp("The table holding the records, optionally schema-qualified.", valueName: "table"))
    var table: String

    @Option(help: ArgumentHelp("The table's key column: unique; verdicts carry it as source_id.", valueName: "column"))
    var key: String

    @Option(
        name: .customLong("columns"), parsing: .singleValue,
        help: ArgumentHelp(
            "Feature columns, comma-separated (repeatable). Default: every numeric column but the key.",
            valueName: "a,b,c"))
    var columnLists: [String] = []

    @Option(
        name: .customLong("source-name"),
        help: ArgumentHelp("The name verdicts carry in vaewatch.scores (default: schema.table).", valueName: "name"))
    var sourceName: String?

    /// The source table as configured.
    var sourceTable: SourceTable {
        SourceTable(
            table: QualifiedName(parsing: table), key: key,
            columns: columnLists.flatMap { $0.split(separator: ",").map(String.init) }, name: sourceName)
    }

    /// Connects, or exits 69 with libpq's reason.
    func connect() throws -> Connection {
        do {
            return try Connection(ConnectionSettings(conninfo: conninfo, applicationName: "vaewatch-cli"))
        } catch {
            throw fail(
                "\(error.message)\nCheck --database (or PGHOST/PGDATABASE/PGUSER) and that the server is running.",
                status: error.kind == .configuration ? ExitStatus.usage : ExitStatus.unavailable)
        }
    }
}

/// Exits with the status that fits a PostgreSQL error, printing what to do.
func fail(_ error: PostgresError, doing what: String) -> ExitCode {
    let status: Int32 =
        switch error.kind {
        case .configuration: ExitStatus.configuration
        case .connectFailed, .connectionLost, .deadlineExceeded, .busy: ExitStatus.unavailable
        case .statement:
            if error.sqlState?.isInsufficientPrivilege == true {
                ExitStatus.noPermission
            } else if error.sqlState?.isTransient == true {
                ExitStatus.temporaryFailure
            } else {
                ExitStatus.software
            }
        }
    return fail("\(what): \(error)", status: status)
}
