import ArgumentParser
import PostgresStore

/// `vaewatch backfill`: scores rows that are already in the source table.
struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Queue the rows already in the source table for scoring (or rewind the watermark).",
        discussion: """
            Queue mode: enqueues the key of every row (or of those after --after), and notifies the daemons. \
            Watermark mode: moves the watermark back to the start (or to --after), so the daemon pages through \
            the table again. Rows scored before get a fresh verdict that replaces the old one: there is never \
            more than one verdict per row.

              vaewatch backfill --source public.metrics --key id
              vaewatch backfill --source public.metrics --key id --after 1000000 --mode watermark
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "queue or watermark: the mode the daemon runs this source in.")
    var mode: SourceMode = .queue

    @Option(help: ArgumentHelp("Only rows whose key is greater than this (in the key's own order).", valueName: "key"))
    var after: String?

    func run() throws {
        let connection = try database.connect()
        do {
            let table = try ResolvedSource.resolve(database.sourceTable, on: connection)
            switch mode {
            case .queue:
                let count = try QueueSource.backfill(table, after: after, on: connection)
                print("queued \(count) rows of \(table.name) for scoring")
            case .watermark:
                try WatermarkSource.rewind(table, to: after, on: connection)
                print("rewound the watermark of \(table.name) to " + (after.map { "key \($0)" } ?? "the start"))
            }
        } catch {
            throw fail(error, doing: "backfilling")
        }
    }
}
