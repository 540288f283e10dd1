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
            "Store this model file as a new version: its own, or the next one when that is taken. Its features must "
                + "be the source's (as init-db set it up).", valueName: "model"))
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
                try store(push, on: connection)
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

    /// Stores the model file at `path` as a new version of the source: refused (exit 78) when the source is not
    /// set up or the model's features are not the source's; a version already stored is never replaced.
    private func store(_ path: String, on connection: Connection) throws {
        let loaded = try ModelFiles.load(path)
        guard let columns = try SourceSetup.columns(ofSource: source, on: connection) else {
            throw fail(
                "no source named \(source) is set up in this database; run `vaewatch init-db` for its table first "
                    + "(a source is named schema.table unless init-db was given another name)",
                status: ExitStatus.configuration)
        }
        guard columns == loaded.featureNames else {
            throw fail(
                "\(path) was trained on \(loaded.featureNames.joined(separator: ", ")), but source \(source) has the "
                    + "features \(columns.joined(separator: ", ")); train a model on the source's columns "
                    + "(`vaewatch train --columns \(columns.joined(separator: ","))`) and push that",
                status: ExitStatus.configuration)
        }
        var bytes: [UInt8] = []
        let version = try ModelRegistry.store(
            source: source, wanted: loaded.version, metrics: loaded.trainingSummaryJSON, on: connection
        ) { (version) throws(PostgresError) in
            do {
                bytes = try loaded.renumbered(version).fileBytes()
                return bytes
            } catch {
                throw PostgresError(.statement, message: "cannot encode \(path) as version \(version): \(error)")
            }
        }
        let checksum = Detector.checksumText(ofFile: bytes)
        let renumbered = version == loaded.version ? "" : " (its own version \(loaded.version) is taken)"
        print(
            "stored \(path) as version \(version) of \(source)\(renumbered) (\(bytes.count) bytes, crc32c \(checksum))")
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters.
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
