import ArgumentParser
import Compute
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
            original units. Use them to test a pipeline, or to see what the model learned. A model with a time \
            column draws its records at times spread evenly over a week (from Monday 1970-01-05 00:00 UTC), \
            written in that column as seconds since 1970: what it considers normal at each time.

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
        var names = detector.featureNames
        let rows: Matrix
        if let column = detector.timeColumn {
            // Whole seconds over the week from Monday 1970-01-05 00:00 UTC: below 2²⁴, exact as the writer's floats.
            let times = (0..<n).map { Double(345_600 + $0 * 604_800 / max(n, 1)) }
            let drawn = detector.sample(count: n, seed: seed, at: times)  // [n, d]
            rows = Matrix(rows: n, cols: drawn.cols + 1) { row, column in
                column < drawn.cols ? drawn[row, column] : Float(times[row])
            }
            names.append(column)
        } else {
            rows = detector.sample(count: n, seed: seed)
        }
        let bytes = RowWriter.format(rows, names: names, format: format.format)
        do {
            try RecordIO.OutputStream(descriptor: STDOUT_FILENO, name: "the output").write(bytes)
        } catch  where error.code == .outputClosed {
            return
        } catch {
            throw fail(error.description, status: ExitStatus.of(error))
        }
    }
}
