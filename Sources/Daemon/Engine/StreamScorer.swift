import Compute
import Detector
import RecordIO
import RecordParsing
import Report
import VAE

#if canImport(Glibc)
    import Glibc
#endif

/// The loop behind `vaewatch score` and `serve` on stdin: read a batch, parse it, score it with the engine's model,
/// write it, hand the verdicts to the ``OnlineEngine``, and again.
///
/// Without a model it first holds back `warmup` records, learns from them, then scores them and streams on. The
/// engine moves a peaks-over-threshold threshold by every batch's scores (the next batch is compared with the new
/// threshold, which each verdict carries) and, with a retrain schedule, retrains in the background on its own
/// pool; the new model takes over between two batches, so output never pauses.
package final class StreamScorer {
    private let options: StreamOptions
    private let pool: ThreadPool
    private let message: @Sendable (String) -> Void
    private let engine: OnlineEngine
    /// Asked between batches and about every 250 ms while the input is idle; false ends the run as if the input
    /// had ended (what was read is still scored and written).
    private let keepGoing: (@Sendable () -> Bool)?
    private var summary = StreamSummary()
    /// Rejects already handed to the engine with a scored batch.
    private var rejectsReported = 0
    /// Whether a retrain finishes before the records after its trigger point are scored: true on a regular file,
    /// false on a pipe or a terminal, where scoring goes on while it runs.
    private var waitsForRetrain = false

    /// A scorer of its own (`vaewatch score`): `detector` scores from the first record (nil: learn one from the
    /// first `options.warmup` records), `pool` parses, scores and formats, and `message` receives progress and
    /// problems, one line each, for stderr.
    ///
    /// - Throws: ``StreamFailure/training(_:)`` for a `retrainEvery` below 1.
    package convenience init(
        options: StreamOptions, detector: Detector?, pool: ThreadPool,
        message: @escaping @Sendable (String) -> Void
    ) throws(StreamFailure) {
        let policy: RetrainPolicy?
        do {
            policy = try options.retrainEvery.map { (every) throws(DetectorError) in
                try RetrainPolicy(everyRecords: every, startingAt: 0)
            }
        } catch {
            throw .training(error)
        }
        let engine = OnlineEngine(
            OnlineDetector(detector: detector, policy: policy, windowCapacity: options.windowCapacity),
            options: options.detector, threads: options.trainingThreads)
        engine.report(to: StreamMessages(message: message, latentWidth: options.detector.latentWidth))
        self.init(options: options, engine: engine, pool: pool, keepGoing: nil, message: message)
    }

    /// A scorer driving `engine` (the daemon's), asking `keepGoing` between batches.
    init(
        options: StreamOptions, engine: OnlineEngine, pool: ThreadPool, keepGoing: (@Sendable () -> Bool)?,
        message: @escaping @Sendable (String) -> Void
    ) {
        self.options = options
        self.engine = engine
        self.pool = pool
        self.keepGoing = keepGoing
        self.message = message
    }

    /// Runs until the input ends (or the output's reader goes away); writes to `output`.
    package func run(output descriptor: CInt) throws(StreamFailure) -> StreamSummary {
        do {
            try stream(to: OutputStream(descriptor: descriptor, name: "the output"))
        } catch let error as RecordIOError where error.code == .outputClosed {
            summary.outputClosed = true
        } catch let error as RecordIOError {
            throw .records(error)
        } catch let error as DetectorError {
            throw .training(error)
        } catch {
            preconditionFailure("StreamScorer: unexpected error \(error)")
        }
        if engine.isRetraining {
            message("vaewatch: waiting for the retrain in progress to finish")
            engine.waitForRetrain()
        }
        summary.retrains = engine.read { $0.retrainsTaken }
        summary.detector = engine.detector
        return summary
    }

    /// Reads, scores and writes until the input ends; throws ``RecordIOError`` or ``DetectorError``.
    private func stream(to output: OutputStream) throws {
        let input = try RecordInput(
            path: options.input, format: options.inputFormat, selection: options.columns,
            modelFeatures: engine.detector?.featureNames, strict: options.strict,
            maximumLineBytes: options.maximumLineBytes, batchDeadline: options.batchDeadline)
        input.whileIdle = keepGoing
        let rejects = try RejectLog(strict: options.strict, rejectsPath: options.rejectsPath, writeMessage: message)
        waitsForRetrain = input.isRegularFile
        try input.start(reporting: rejects)
        summary.rejects = rejects.count
        // Without columns (an empty input, with a model) there is nothing to score.
        guard let parser = input.parser else { return try rejects.finish(lastLine: input.lastLine) }
        let plan = parser.plan
        // The plan takes the model's features by name; this makes sure, before any record is scored.
        let detector = engine.detector
        try detector?.checkFeatures(plan.featureNames)
        try detector?.checkTimeColumn(plan.timeColumnName)
        if detector != nil, !plan.unusedColumns.isEmpty {
            message(
                "vaewatch: not using column\(plan.unusedColumns.count == 1 ? "" : "s") \(plan.unusedColumns.joined(separator: ", ")), which the model does not know"
            )
        }
        let outputFormat = options.outputFormat ?? options.inputFormat
        if options.inputFormat == .csv, outputFormat == .jsonl,
            let clash = ReservedNames.clashes(in: plan, source: input.source)
        {
            throw clash
        }
        let writer = VerdictWriter(
            input: options.inputFormat, output: outputFormat, plan: plan,
            onlyAnomalies: options.onlyAnomalies)
        let header = writer.header(inputHeader: input.headerLine)
        try output.write(header)
        var held = HeldRecords()
        if detector == nil {
            message("vaewatch: no model given; learning from the first \(Counted.text(options.warmup, "record"))")
        }
        while keepGoing?() ?? true, let (parsed, batch) = try input.next(pool: pool) {
            do {
                try rejects.record(parsed)
            } catch {
                // The run ends at a bad line: what came before it is still scored and written.
                if options.strict, let first = parsed.rejects.first, engine.detector != nil {
                    try score(parsed.records(before: first.line), bytes: batch.bytes, writer: writer, to: output)
                }
                throw error
            }
            summary.rejects = rejects.count
            summary.emptyLines += parsed.emptyLines
            guard parsed.count > 0 else { continue }
            if engine.detector == nil {
                held.append(parsed, from: batch)
                if held.count >= options.warmup {
                    try learn(from: held, names: plan.featureNames, timeColumn: plan.timeColumnName)
                    try score(held, writer: writer, to: output)
                    held = HeldRecords()
                }
                continue
            }
            try score(parsed, bytes: batch.bytes, writer: writer, to: output)
        }
        try rejects.finish(lastLine: input.lastLine)
        if engine.detector == nil {
            guard held.count > 0 else {
                throw RecordIOError(.data, "\(input.source): no records to learn from")
            }
            try learn(from: held, names: plan.featureNames, timeColumn: plan.timeColumnName)
            try score(held, writer: writer, to: output)
        }
    }

    /// Trains the first model on the held records (the first `warmup` of them), with their times when the input has
    /// a time column, and puts it in use; the engine then does not count those records again when they are scored.
    private func learn(from held: HeldRecords, names: [String], timeColumn: String?) throws(DetectorError) {
        var batch = held.parsed.recordBatch(width: names.count)
        if batch.count > options.warmup { batch = batch.prefix(options.warmup) }
        if batch.count < 100 {
            message(
                "vaewatch: only \(Counted.text(batch.count, "record")) to learn from; scores will be rough (100 or more help)"
            )
        }
        let started = ContinuousClock.now
        let keepGoing = self.keepGoing
        let result = try Detector.train(
            featureNames: names, timeColumn: timeColumn, on: batch, options: options.detector, pool: pool,
            createdAt: Int64(time(nil))
        ) { _ in (keepGoing?() ?? true) ? .proceed : .stop }
        engine.learned(
            result, from: .leading(batch.count), count: batch.count, duration: ContinuousClock.now - started)
    }

    /// Scores the held records, the first of which the model learned from.
    private func score(_ held: HeldRecords, writer: VerdictWriter, to output: OutputStream) throws {
        try held.bytes.withUnsafeBytes { raw in
            try score(
                held.parsed, bytes: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, writer: writer, to: output)
        }
    }

    /// Scores and writes one batch. Reading a regular file, the batch is cut where the record-count trigger fires,
    /// and the retrain finishes before the records after that point are scored, as it would on a trickling
    /// stream: a file comes in batches of thousands of lines, so the model learned after the trigger would
    /// otherwise first score records far past it.
    private func score(
        _ parsed: ParsedLines, bytes: UnsafeRawPointer, writer: VerdictWriter, to output: OutputStream
    ) throws(RecordIOError) {
        var start = 0
        repeat {
            var end = parsed.count
            if waitsForRetrain, let left = engine.recordsUntilRetrain(), left > 0 {
                end = min(end, start + left)
            }
            let part = start == 0 && end == parsed.count ? parsed : parsed.rows(start..<end)
            try scoreBatch(part, bytes: bytes, writer: writer, to: output)
            start = end
        } while start < parsed.count
    }

    /// Scores and writes `parsed` with the engine's model and hands the verdicts to the engine; on a file, waits
    /// for the retrain the batch started.
    private func scoreBatch(
        _ parsed: ParsedLines, bytes: UnsafeRawPointer, writer: VerdictWriter, to output: OutputStream
    ) throws(RecordIOError) {
        guard let detector = engine.detector else { return }
        let began = ContinuousClock.now
        let batch = parsed.recordBatch(width: detector.inputWidth)
        let verdicts = detector.score(batch, pool: pool, latentMean: writer.carriesLatentMean)
        let handled = try writer.write(parsed, bytes: bytes, verdicts: verdicts, pool: pool, to: output)
        summary.records += handled
        summary.anomalies += verdicts.isAnomaly[..<handled].count { $0 }
        guard handled == verdicts.count else {
            throw RecordIOError(.outputClosed, "the output was closed by its reader")
        }
        let step = engine.scored(
            batch, verdicts: verdicts, rejected: summary.rejects - rejectsReported, took: ContinuousClock.now - began)
        rejectsReported = summary.rejects
        if waitsForRetrain, case .start = step.retrain { engine.waitForRetrain() }
    }
}
