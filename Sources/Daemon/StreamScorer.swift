import Compute
import Detector
import RecordIO
import RecordParsing
import Report
import VAE

#if canImport(Glibc)
    import Glibc
#endif

/// The loop behind `vaewatch score`: read a batch, parse it, score it, write it, and again.
///
/// Without a model it first holds back `warmup` records, learns from them, then scores them and streams on.
/// With `retrainEvery`, it keeps a window of recent normal records and retrains in the background, warm, on a
/// pool of its own; the new model takes over between two batches, so output never pauses.
///
/// A model whose threshold was set for a target false-alarm rate (peaks over threshold) has it moved by every
/// batch's scores (``Detector/updatingThreshold(with:)``): the next batch is compared with the new threshold, which
/// each verdict carries. A quantile threshold stays put. Under a daemon (``StreamHooks/moveThreshold``) the move
/// happens in the daemon's model slot instead, and the moved model comes back through ``StreamHooks/model``.
public final class StreamScorer {
    private let options: StreamOptions
    private let pool: ThreadPool
    private let message: (String) -> Void
    private var detector: Detector?
    /// The model `hooks.model` gave last: a different one replaces ours, the same one leaves ours (whose threshold
    /// may have moved since) in use.
    private var offered: Detector?
    private var summary = StreamSummary()
    private var window: TrainingWindow?
    private var policy: RetrainPolicy?
    private var retrain: BackgroundRetrain?
    private let hooks: StreamHooks
    /// Whether a retrain finishes before the records after its trigger point are scored: true on a regular file,
    /// false on a pipe or a terminal, where scoring goes on while it runs.
    private var waitsForRetrain = false

    /// Creates a scorer.
    ///
    /// - Parameters:
    ///   - detector: the model to score with from the first record; nil to learn one from the first records.
    ///   - pool: the threads that parse, score and format.
    ///   - message: receives progress and problems, one line each, for stderr.
    ///   - hooks: how a daemon steers the run (see ``StreamHooks``).
    public init(
        options: StreamOptions, detector: Detector?, pool: ThreadPool, hooks: StreamHooks = StreamHooks(),
        message: @escaping (String) -> Void
    ) {
        self.hooks = hooks
        self.options = options
        self.detector = detector
        self.pool = pool
        self.message = message
    }

    /// Runs until the input ends (or the output's reader goes away); writes to `output`.
    public func run(output descriptor: CInt) throws(StreamFailure) -> StreamSummary {
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
        if let retrain {
            message("vaewatch: waiting for the retrain in progress to finish")
            finish(retrain.wait())
        }
        summary.detector = detector
        return summary
    }

    /// Reads, scores and writes until the input ends; throws ``RecordIOError`` or ``DetectorError``.
    private func stream(to output: OutputStream) throws {
        let input = try RecordInput(
            path: options.input, format: options.inputFormat, selection: options.columns,
            modelFeatures: detector?.featureNames, strict: options.strict,
            maximumLineBytes: options.maximumLineBytes, batchDeadline: options.batchDeadline)
        input.whileIdle = hooks.shouldContinue
        let rejects = try RejectLog(strict: options.strict, rejectsPath: options.rejectsPath, writeMessage: message)
        waitsForRetrain = input.isRegularFile
        try input.start(reporting: rejects)
        summary.rejects = rejects.count
        // Without columns (an empty input, with a model) there is nothing to score.
        guard let parser = input.parser else { return try rejects.finish(lastLine: input.lastLine) }
        let plan = parser.plan
        // The plan takes the model's features by name; this makes sure, before any record is scored.
        try detector?.checkFeatures(plan.featureNames)
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
        if let retrainEvery = options.retrainEvery {
            window = TrainingWindow(capacity: options.windowCapacity, width: plan.featureNames.count)
            policy = try RetrainPolicy(everyRecords: retrainEvery, startingAt: elapsed())
        }
        var held = HeldRecords()
        if detector == nil {
            message("vaewatch: no model given; learning from the first \(Counted.text(options.warmup, "record"))")
        }
        while hooks.shouldContinue?() ?? true, let (parsed, batch) = try input.next(pool: pool) {
            do {
                try rejects.record(parsed)
            } catch {
                // The run ends at a bad line: what came before it is still scored and written.
                if options.strict, let first = parsed.rejects.first, detector != nil {
                    try score(parsed.records(before: first.line), bytes: batch.bytes, writer: writer, to: output)
                }
                throw error
            }
            summary.rejects = rejects.count
            summary.emptyLines += parsed.emptyLines
            guard parsed.count > 0 else { continue }
            if detector == nil {
                held.append(parsed, from: batch)
                if held.count >= options.warmup {
                    try learn(from: held, names: plan.featureNames)
                    try score(held, learnedFrom: options.warmup, writer: writer, to: output)
                    held = HeldRecords()
                }
                continue
            }
            try score(parsed, bytes: batch.bytes, writer: writer, to: output)
        }
        try rejects.finish(lastLine: input.lastLine)
        if detector == nil {
            guard held.count > 0 else {
                throw RecordIOError(.data, "\(input.source): no records to learn from")
            }
            try learn(from: held, names: plan.featureNames)
            try score(held, learnedFrom: options.warmup, writer: writer, to: output)
        }
    }

    /// Trains the first model on the held records (the first `warmup` of them).
    private func learn(from held: HeldRecords, names: [String]) throws(DetectorError) {
        var batch = held.parsed.recordBatch(width: names.count)
        if batch.count > options.warmup { batch = batch.prefix(options.warmup) }
        if batch.count < 100 {
            message(
                "vaewatch: only \(Counted.text(batch.count, "record")) to learn from; scores will be rough (100 or more help)"
            )
        }
        let started = ContinuousClock.now
        let keepGoing = hooks.shouldContinue
        let result = try Detector.train(
            featureNames: names, on: batch, options: options.detector, pool: pool, createdAt: Int64(time(nil))
        ) { _ in (keepGoing?() ?? true) ? .proceed : .stop }
        detector = result.detector
        hooks.learned?(result)
        message(
            "vaewatch: model version 1 learned from \(Counted.text(batch.count, "record")) in "
                + "\(NumberText.seconds(ContinuousClock.now - started)) s: "
                + "threshold \(result.detector.threshold)\(Self.moving(result.detector)), "
                + "\(result.summary.activeLatentUnits) of \(options.detector.latentWidth) latent units active")
        if let note = result.constantFeatureNote { message("vaewatch: note: \(note)") }
    }

    /// Scores the held records, the first `learnedFrom` of which the model was calibrated on: their scores are
    /// not counted again by a moving threshold.
    private func score(
        _ held: HeldRecords, learnedFrom: Int, writer: VerdictWriter, to output: OutputStream
    ) throws {
        try held.bytes.withUnsafeBytes { raw in
            try score(
                held.parsed, bytes: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, writer: writer, to: output,
                learnedFrom: learnedFrom)
        }
    }

    /// Scores and writes one batch. Reading a regular file, the batch is cut where the record-count trigger fires,
    /// and the retrain finishes before the records after that point are scored, as it would on a trickling
    /// stream: a file comes in batches of thousands of lines, so the model learned after the trigger would
    /// otherwise first score records far past it.
    private func score(
        _ parsed: ParsedLines, bytes: UnsafeRawPointer, writer: VerdictWriter, to output: OutputStream,
        learnedFrom: Int = 0
    ) throws(RecordIOError) {
        var start = 0
        repeat {
            var end = parsed.count
            if waitsForRetrain, let left = policy?.nextDue(now: elapsed()).records, left > 0 {
                end = min(end, start + left)
            }
            let part = start == 0 && end == parsed.count ? parsed : parsed.rows(start..<end)
            try scoreBatch(
                part, bytes: bytes, writer: writer, to: output, learnedFrom: max(0, learnedFrom - start))
            start = end
        } while start < parsed.count
    }

    /// Scores and writes `parsed`, moves a peaks-over-threshold threshold by its scores (all but the first
    /// `learnedFrom`), feeds the training window, and swaps in a finished retrain (or, on a file, waits for the
    /// one it starts).
    private func scoreBatch(
        _ parsed: ParsedLines, bytes: UnsafeRawPointer, writer: VerdictWriter, to output: OutputStream,
        learnedFrom: Int
    ) throws(RecordIOError) {
        if let newer = hooks.model?(), newer !== offered {
            offered = newer
            detector = newer
        }
        guard let detector else { return }
        let batch = parsed.recordBatch(width: detector.inputWidth)
        let verdicts = detector.score(batch, pool: pool, latentMean: writer.carriesLatentMean)
        let handled = try writer.write(parsed, bytes: bytes, verdicts: verdicts, pool: pool, to: output)
        summary.records += handled
        summary.anomalies += verdicts.isAnomaly[..<handled].count { $0 }
        guard handled == verdicts.count else {
            throw RecordIOError(.outputClosed, "the output was closed by its reader")
        }
        hooks.scored?(batch, verdicts, summary.rejects)
        if detector.header.thresholdTail != nil {
            let counted = learnedFrom > 0 ? Array(verdicts.score.dropFirst(learnedFrom)) : verdicts.score
            if let move = hooks.moveThreshold {
                move(counted, detector.version)
            } else {
                self.detector = detector.updatingThreshold(with: counted)
            }
        }
        guard var window, var policy else { return }
        window.offer(batch, verdicts: verdicts)
        policy.recordsScored(verdicts.count)
        if let running = retrain, let outcome = running.poll() {
            retrain = nil
            finish(outcome)
        }
        if retrain == nil, policy.isDue(now: elapsed()), window.count > 0 {
            message(
                "vaewatch: retraining on the \(Counted.text(window.count, "most recent normal record")), in the background"
            )
            let started = BackgroundRetrain(
                detector: detector, window: window.snapshot(), options: options.detector,
                threads: options.trainingThreads, createdAt: Int64(time(nil)))
            policy.retrained(at: elapsed())
            if waitsForRetrain {
                finish(started.wait())
            } else {
                retrain = started
            }
        }
        self.window = window
        self.policy = policy
    }

    /// Swaps in a finished retrain, or reports why it failed (the current model stays).
    private func finish(_ outcome: Result<DetectorTrainingResult, DetectorError>) {
        switch outcome {
        case .success(let result):
            detector = result.detector
            summary.retrains += 1
            message(
                "vaewatch: model version \(result.detector.version) in use: threshold \(result.detector.threshold)"
                    + Self.moving(result.detector))
        case .failure(let error):
            message("vaewatch: retrain failed, the current model stays: \(error)")
        }
    }

    private let started = ContinuousClock.now

    /// Seconds since the scorer was created, for the retrain policy.
    private func elapsed() -> Double { (ContinuousClock.now - started).seconds }

    /// ` (extreme value, target rate 0.001, moves with the scores)` for a model whose threshold moves; empty
    /// otherwise.
    static func moving(_ detector: Detector) -> String {
        guard let tail = detector.header.thresholdTail else { return "" }
        return " (extreme value, target rate \(tail.rate), moves with the scores)"
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}
