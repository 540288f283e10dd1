import Report
import ArgumentParser
import Compute
import Detector
import RecordIO
import RecordParsing
import VAE

#if canImport(Glibc)
    import Glibc
#endif

/// `vaewatch train`: records in, a model file out.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on records from a file or standard input.",
        discussion: """
            The records should be mostly normal: the threshold is the --quantile of their scores, or, with \
            --threshold-rate R, set by an extreme-value fit to their tail so that about R of normal records \
            are flagged (the threshold then moves with the scores as `vaewatch score` streams). A tenth of \
            them is held out to stop training when it no longer improves. On a terminal a progress bar shows \
            the epoch, the loss, the speed and the time left; a summary follows.

            With --time-column, each record's time of day and day of week are inputs of the model, so that it \
            learns what is normal when; `vaewatch score` then needs the same time column.

            Examples:
              vaewatch train --input history.csv --key host --ignore timestamp --out model.vaew
              vaewatch train --input history.csv --key host --time-column timestamp --out model.vaew
            """)

    @OptionGroup(title: "Input")
    var input: InputOptions

    @Option(help: ArgumentHelp("Where to write the model file.", valueName: "path"))
    var out: String

    @OptionGroup(title: "Model")
    var modelOptions: ModelOptions

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        input.warnIfReadingTerminal()
        let started = Terminal.now()
        let pool = ThreadPool(threadCount: modelOptions.threadCount)
        let (batch, names, timeColumn, rejected) = try readRecords(pool: pool)
        let options = modelOptions.detectorOptions
        let progress = Progress(
            epochs: options.firstTrainingEpochs(records: batch.count), rows: batch.count,
            enabled: Terminal.stderrIsTerminal)
        let result: DetectorTrainingResult
        do {
            result = try Detector.train(
                featureNames: names, timeColumn: timeColumn, on: batch, options: options, pool: pool,
                createdAt: Int64(time(nil)), onEpoch: progress.update)
        } catch {
            progress.finish()
            throw fail(error.description, status: ExitStatus.of(error))
        }
        progress.finish()
        try ModelFiles.save(result.detector, to: out)
        Terminal.printError(summary(result, rejected: rejected, seconds: Terminal.now() - started))
    }

    /// Reads every record of the input: the records, the feature names, the time column and the lines rejected.
    private func readRecords(pool: ThreadPool) throws -> (RecordBatch, [String], String?, Int) {
        do throws(RecordIOError) {
            let records = try RecordInput(
                path: input.input, format: input.resolvedFormat, selection: input.selection, modelFeatures: nil,
                strict: input.strict, maximumLineBytes: input.maxLineBytes, batchDeadline: 0.05)
            let rejects = try RejectLog(
                strict: input.strict, rejectsPath: input.rejects, writeMessage: Terminal.printError)
            try records.start(reporting: rejects)
            guard let plan = records.parser?.plan else { throw RecordIOError(.data, "no columns found") }
            var features: [Float] = []
            var observed: [Float] = []
            var keys: [String] = []
            var times: [Double] = []
            var missing = 0
            while let (parsed, _) = try records.next(pool: pool) {
                try rejects.record(parsed)
                features += parsed.features
                observed += parsed.observed
                keys += parsed.keys
                times += parsed.times ?? []
                missing += parsed.missingValues
            }
            try rejects.finish(lastLine: records.lastLine)
            guard !keys.isEmpty else { throw RecordIOError(.data, "\(records.source): no records to train on") }
            let d = plan.featureNames.count
            let batch = RecordBatch(
                keys: keys, features: Matrix(rows: keys.count, cols: d, storage: features),
                observed: missing > 0 ? Matrix(rows: keys.count, cols: d, storage: observed) : nil,
                times: plan.timeColumnName == nil ? nil : times)
            return (batch, plan.featureNames, plan.timeColumnName, rejects.count)
        } catch {
            throw fail(error.description, status: ExitStatus.of(error))
        }
    }

    private func summary(_ result: DetectorTrainingResult, rejected: Int, seconds: Double) -> String {
        let s = result.summary
        var text = "vaewatch: trained on \(Counted.text(s.trainingRows, "record"))"
        if s.validationRows > 0 { text += " (\(NumberText.count(s.validationRows)) more held out)" }
        if rejected > 0 { text += ", \(Counted.text(rejected, "line")) rejected" }
        text += " in \(Terminal.figure(seconds)) s: \(Counted.text(s.epochs, "epoch")) (best \(s.bestEpoch)"
        text += s.stoppedEarly ? ", stopped early)" : ")"
        text += ", loss \(Terminal.figure(Double(s.trainingLoss)))"
        if let validation = s.validationLoss { text += " (validation \(Terminal.figure(Double(validation))))" }
        text += ", threshold \(Terminal.figure(Double(result.detector.threshold))) \(modelOptions.thresholdDescription)"
        text += ", \(s.activeLatentUnits) of \(modelOptions.latent) latent units active"
        if let column = result.detector.timeColumn { text += ", time of day and day of week from \(column)" }
        text += "; saved to \(out)"
        if result.setAside > 0 {
            text +=
                "\nvaewatch: \(Counted.text(modelOptions.cleanRounds, "cleaning round")) set aside the "
                + "\(Counted.text(result.setAside, "highest-scoring training record")) (--clean-rounds 0 keeps every one)"
        }
        if let note = result.constantFeatureNote { text += "\nvaewatch: note: \(note)" }
        return text
    }
}

/// The progress bar of a training run, on stderr when it is a terminal.
final class Progress {
    private let epochs: Int
    private let rows: Int
    private let enabled: Bool
    private let started = Terminal.now()
    private var shown = false

    init(epochs: Int, rows: Int, enabled: Bool) {
        self.epochs = epochs
        self.rows = rows
        self.enabled = enabled
    }

    /// Shows an epoch's figures; training goes on.
    func update(_ report: EpochReport) -> TrainingControl {
        guard enabled else { return .proceed }
        let elapsed = Terminal.now() - started
        let perEpoch = elapsed / Double(report.epoch)
        let done = Double(report.epoch) / Double(epochs)
        let width = 24
        let filled = Int(done * Double(width))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        line += " epoch \(report.epoch)/\(epochs)  loss \(Terminal.figure(Double(report.trainingLoss)))"
        if let validation = report.validationLoss { line += "  val \(Terminal.figure(Double(validation)))" }
        line += "  \(NumberText.count(Int(Double(rows * report.epoch) / max(elapsed, 1e-9)))) samples/s"
        line += "  ≤ \(Terminal.figure(perEpoch * Double(epochs - report.epoch))) s left"
        Terminal.rewriteLine(line)
        shown = true
        return .proceed
    }

    /// Ends the progress line.
    func finish() {
        if shown { Terminal.endLine() }
    }
}
