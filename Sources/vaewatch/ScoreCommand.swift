import ArgumentParser
import Compute
import Daemon
import Detector
import RecordIO
import RecordParsing

#if canImport(Glibc)
    import Glibc
#endif

/// `vaewatch score`: records in, records with verdicts out.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score records from a file or standard input and write them with their verdicts.",
        discussion: """
            CSV output is each input line unchanged plus the columns score,recon,kl,threshold,anomaly \
            (anomaly is 1 or 0). JSON-lines output is each input object plus a "vaewatch" object with the \
            same fields, the features that explain the score best ("top"), the number of missing values and \
            the record's latent mean μ ("latent", one number per latent unit).

            Without --model, the first --warmup records are learned from, then scored like the rest. \
            Empty fields, JSON null and absent keys are missing values: imputed, and left out of the error. \
            Bad lines are reported on stderr as FILE:LINE: field N (name): reason, and skipped. With \
            --time-column, each record's time of day and day of week are inputs of the model, which then learns \
            what is normal when; a model trained with a time column needs the same one.

            Examples:
              vaewatch score --input metrics.csv > scored.csv
              vaewatch score --input metrics.csv --time-column ts --only-anomalies
              tail -f app.jsonl | vaewatch score --model app.vaew --only-anomalies
              vaewatch score --input big.csv --save big.vaew --output jsonl | jq .vaewatch.score
            """)

    @OptionGroup(title: "Input")
    var input: InputOptions

    @Option(
        help: ArgumentHelp(
            "Model file to score with. Default: learn one from the first --warmup records.", valueName: "path"))
    var model: String?

    @Option(help: ArgumentHelp("Output format: csv or jsonl. Default: the input's.", valueName: "format"))
    var output: FormatOption?

    @Flag(help: "Write only the records flagged as anomalies.")
    var onlyAnomalies = false

    @Option(
        help: ArgumentHelp("Without --model: records to learn from before scoring (all, if fewer).", valueName: "n"))
    var warmup = 2000

    @Option(
        help: ArgumentHelp(
            "Retrain after every N records scored, on the most recent normal ones. On a file the retrain finishes "
                + "before the records after its trigger point are scored; on a pipe or a terminal it runs in the "
                + "background and the new model takes over between batches, a little after its trigger point, "
                + "without pausing the output. Default: never, so the same input gives the same output.",
            valueName: "n"))
    var retrainEvery: Int?

    @Option(help: ArgumentHelp("Most recent normal records kept for retraining.", valueName: "n"))
    var window = 20_000

    @Option(help: ArgumentHelp("Save the model in use at the end to this file.", valueName: "path"))
    var save: String?

    @Option(
        help: ArgumentHelp(
            "Milliseconds a batch waits for more lines once its first line arrived: the most a verdict is held "
                + "back when input trickles.", valueName: "ms"))
    var batchDelay = 20

    @OptionGroup(title: "Model (without --model)")
    var modelOptions: ModelOptions

    func validate() throws {
        guard warmup >= 1 else { throw ValidationError("--warmup must be at least 1, got \(warmup)") }
        if let retrainEvery, retrainEvery < 1 {
            throw ValidationError("--retrain-every must be at least 1, got \(retrainEvery)")
        }
        guard window >= 1 else { throw ValidationError("--window must be at least 1, got \(window)") }
        guard batchDelay >= 0 && batchDelay <= 10_000 else {
            throw ValidationError("--batch-delay must be between 0 and 10000 ms, got \(batchDelay)")
        }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        input.warnIfReadingTerminal()
        let detector = try model.map(ModelFiles.load)
        var options = StreamOptions()
        options.input = input.input
        options.inputFormat = input.resolvedFormat
        options.outputFormat = output?.format
        options.columns = input.selection
        options.onlyAnomalies = onlyAnomalies
        options.warmup = warmup
        options.retrainEvery = retrainEvery
        options.windowCapacity = window
        options.strict = input.strict
        options.rejectsPath = input.rejects
        options.maximumLineBytes = input.maxLineBytes
        options.batchDeadline = Double(batchDelay) / 1000
        options.detector = modelOptions.detectorOptions
        let threads = modelOptions.threadCount
        options.trainingThreads = max(1, threads / 2)
        let pool = ThreadPool(threadCount: threads)
        let summary: StreamSummary
        do {
            let scorer = try StreamScorer(
                options: options, detector: detector, pool: pool, message: Terminal.printError)
            summary = try scorer.run(output: STDOUT_FILENO)
        } catch {
            switch error {
            case .records(let cause): throw fail(cause.description, status: ExitStatus.of(cause))
            case .training(let cause): throw fail(cause.description, status: ExitStatus.of(cause))
            }
        }
        if summary.outputClosed {
            Terminal.printError(
                "vaewatch: the output was closed by its reader after \(Counted.text(summary.records, "record")); stopped"
            )
        }
        if let save, let detector = summary.detector {
            try ModelFiles.save(detector, to: save)
        }
        report(summary)
    }

    private func report(_ summary: StreamSummary) {
        guard summary.rejects > 0 || summary.emptyLines > 0 || Terminal.stderrIsTerminal else { return }
        let rate = summary.records > 0 ? 100 * Double(summary.anomalies) / Double(summary.records) : 0
        var line =
            "vaewatch: scored \(Counted.text(summary.records, "record")), "
            + "\(Counted.text(summary.anomalies, "anomaly", plural: "anomalies")) (\(Terminal.figure(rate))%)"
        if summary.rejects > 0 { line += ", \(Counted.text(summary.rejects, "line")) rejected" }
        if summary.emptyLines > 0 { line += ", \(Counted.text(summary.emptyLines, "blank line")) skipped" }
        if summary.retrains > 0 { line += ", \(Counted.text(summary.retrains, "retrain"))" }
        if let version = summary.detector?.version { line += ", model version \(version)" }
        Terminal.printError(line)
    }
}
