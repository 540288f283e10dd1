import ArgumentParser
import Detector
import RecordIO
import RecordParsing

#if canImport(Glibc)
    import Glibc
#endif

/// `vaewatch sample`: synthetic records from a model.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write synthetic records drawn from a model: what it considers normal.",
        discussion: """
            Latent codes are drawn from the prior N(0, I) and decoded into the model's features, in their \
            original units. Use them to test a pipeline, or to see what the model learned.

            Example:
              vaewatch sample model.vaew -n 5
            """)

    @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
    var model: String

    @Option(name: .short, help: ArgumentHelp("Number of records.", valueName: "n"))
    var n = 10

    @Option(help: ArgumentHelp("Output format: csv or jsonl.", valueName: "format"))
    var format: FormatOption = .csv

    @Option(help: ArgumentHelp("Seed of the latent draws.", valueName: "n"))
    var seed: UInt64 = 0

    func validate() throws {
        guard n >= 0 && n <= 100_000_000 else { throw ValidationError("-n must be between 0 and 100000000, got \(n)") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let detector = try ModelFiles.load(model)
        let rows = detector.sample(count: n, seed: seed)
        let bytes = RowWriter.format(rows, names: detector.featureNames, format: format.format)
        do {
            try RecordIO.OutputStream(descriptor: STDOUT_FILENO, name: "the output").write(bytes)
        } catch  where error.code == .outputClosed {
            return
        } catch {
            throw fail(error.description, status: ExitStatus.of(error))
        }
    }
}
