import ArgumentParser
import Checkpoint
import Detector
import PostgresStore
import VAE

/// `vaewatch models`: the model registry in vaewatch.models.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model versions in the database, or store a model file there.",
        discussion: """
            Every model version can live in vaewatch.models (bytes, checksum, training summary), so that a \
            restarted daemon, or several daemons sharing one trainer, load the newest active version.

              vaewatch models --source-name public.metrics
              vaewatch models --source-name public.metrics --push model.vaew
            """)

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp("libpq connection string or URI; empty uses the PG* environment.", valueName: "conninfo"))
    var conninfo = ""

    @Option(
        name: .customLong("source-name"),
        help: ArgumentHelp(
            "The source the models score (by default a source is named schema.table).", valueName: "name"))
    var source: String

    @Option(
        help: ArgumentHelp(
            "Store this model file as its version (replacing that version if present).", valueName: "model"))
    var push: String?

    func run() throws {
        let connection: Connection
        do {
            connection = try Connection(ConnectionSettings(conninfo: conninfo, applicationName: "vaewatch-cli"))
        } catch {
            throw fail(error, doing: "connecting")
        }
        do {
            if let push {
                let detector = try ModelFiles.load(push)
                let bytes = try detector.fileBytes()
                let checksum = Detector.checksumText(ofFile: bytes)
                let summary = detector.trainingSummaryJSON
                try ModelRegistry.save(
                    source: source, version: detector.version, bytes: bytes, checksum: checksum,
                    metrics: summary, on: connection)
                print(
                    "stored \(push) as version \(detector.version) of \(source) (\(bytes.count) bytes, crc32c \(checksum))"
                )
                return
            }
            let models = try ModelRegistry.list(source: source, on: connection)
            guard !models.isEmpty else {
                print("no models stored for \(source)")
                return
            }
            print("version  created               bytes      crc32c    active")
            for model in models {
                let columns: [String] = [
                    String(model.version).padded(7), model.createdAt.padded(20), String(model.size).padded(9),
                    model.checksum.padded(8), model.active ? "yes" : "no",
                ]
                print(columns.joined(separator: "  "))
            }
        } catch let error as PostgresError {
            throw fail(error, doing: "reading the model registry")
        }
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters.
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
