import ArgumentParser
import PostgresStore

/// `vaewatch init-db`: creates schema vaewatch and installs the trigger on the source table.
struct InitDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-db",
        abstract: "Create schema vaewatch (scores, anomalies, queue, watermarks, models) and install the trigger.",
        discussion: """
            Applies the numbered files of sql/ that the database lacks, each once (a second run changes \
            nothing), then checks the source table, its key and feature columns against the catalog and, in \
            queue mode, installs the trigger vaewatch_enqueue that queues the key of every new row and wakes the \
            daemon with NOTIFY. Run it as the owner of the table (or a superuser); the daemon itself needs only \
            the privileges of sql/roles.sql.

              vaewatch init-db --database 'dbname=metrics' --source public.metrics --key id
              vaewatch init-db --source metrics --key id --columns cpu,mem,latency --mode watermark

            Rows already in the table are not queued: run `vaewatch backfill` to score them.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(
        help: ArgumentHelp(
            "queue: a trigger queues new rows (any number of daemons). watermark: no trigger; one daemon pages "
                + "through the table by key."))
    var mode: SourceMode = .queue

    @Flag(
        help: ArgumentHelp(
            "Replace a source's set-up that has another table, key or columns (its queued keys are dropped; models "
                + "trained on other columns no longer load)."))
    var reconfigure = false

    func run() throws {
        let connection = try database.connect()
        let outcome: SourceSetup.Outcome
        do {
            outcome = try SourceSetup.run(
                database.sourceTable, mode: mode, reconfigure: reconfigure, on: connection)
        } catch {
            throw fail(error, doing: "setting up source \(database.table)")
        }
        if outcome.applied.isEmpty {
            print("schema vaewatch is current (version \(Migration.all.last!.version))")
        } else {
            for migration in outcome.applied { print("applied \(migration.name)") }
        }
        let table = outcome.table
        print(
            "source \(table.name): key \(table.key) (\(table.keyType)), \(table.columns.count) features: "
                + table.columns.joined(separator: ", "))
        switch outcome.trigger {
        case .installed:
            print("installed trigger vaewatch_enqueue on \(table.name): new rows are queued for scoring")
        case .removed:
            print("removed trigger vaewatch_enqueue from \(table.name) and its queued keys")
            print("watermark mode: no trigger; the daemon pages through \(table.name) by \(table.key)")
        case .none:
            print("watermark mode: no trigger; the daemon pages through \(table.name) by \(table.key)")
        }
        print(
            "to score the rows already in the table: vaewatch backfill --source \(database.table) --key \(database.key)"
                + (mode == .watermark ? " --mode watermark" : ""))
    }
}

extension SourceMode: ExpressibleByArgument {}
