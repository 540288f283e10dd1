import Compute

/// The state of one training call: weights, optimizer, per-worker workspaces and gradient buffers.
struct TrainingRun {
    let configuration: TrainingConfiguration
    let architecture: Architecture
    let layout: ParameterLayout
    let data: Matrix
    let mask: Matrix?
    let pool: ThreadPool
    var model: VAEModel
    var parameters: [Float]
    let optimizer: Adam
    var rng: SeededGenerator
    let trainingRows: [Int]
    let validationRows: [Int]

    init(model: VAEModel, data: Matrix, mask: Matrix?, configuration: TrainingConfiguration, pool: ThreadPool) {
        self.configuration = configuration
        self.architecture = model.architecture
        self.layout = model.layout
        self.data = data
        self.mask = mask
        self.pool = pool
        self.model = model
        self.parameters = model.parameters
        self.optimizer = Adam(
            layout: model.layout, learningRate: configuration.learningRate, weightDecay: configuration.weightDecay)
        var rng = SeededGenerator(seed: configuration.seed)
        var order = Array(0..<data.rows)
        order.shuffle(using: &rng)
        var held = Int(Float(data.rows) * configuration.validationFraction)
        if held >= data.rows { held = 0 }
        self.validationRows = Array(order[..<held])
        self.trainingRows = Array(order[held...])
        self.rng = rng
    }

    mutating func train(onEpoch: (EpochReport) -> TrainingControl) throws(TrainingError) -> TrainingResult {
        let batchCapacity =
            (min(configuration.batchSize, trainingRows.count) + pool.threadCount - 1)
            / pool.threadCount
        let workspaces = (0..<pool.threadCount).map { _ in
            Workspace(architecture: architecture, layout: layout, capacity: batchCapacity)
        }
        var history: [EpochReport] = []
        var best = (loss: Float.infinity, epoch: 0, trainingLoss: Float.nan, parameters: parameters)
        var order = trainingRows
        var outOfPatience = false
        for epoch in 1...configuration.epochs {
            order.shuffle(using: &rng)
            var total = 0.0
            var start = 0
            while start < order.count {
                let batch = Array(order[start..<min(start + configuration.batchSize, order.count)])
                let loss = step(batch: batch, workspaces: workspaces)
                guard loss.isFinite else {
                    throw TrainingError(
                        .diverged,
                        "loss became \(loss) in epoch \(epoch), in the batch at position \(start) of its shuffled order; "
                            + "lower the learning rate or set a gradient clip norm")
                }
                total += Double(loss) * Double(batch.count)
                start += batch.count
            }
            let trainingLoss = Float(total / Double(order.count))
            let validationLoss = validationRows.isEmpty ? nil : evaluate(rows: validationRows).meanLoss
            let monitored = validationLoss ?? trainingLoss
            let improved = best.epoch == 0 || monitored < best.loss - abs(best.loss) * configuration.minimumImprovement
            if improved {
                best = (monitored, epoch, trainingLoss, parameters)
            }
            let report = EpochReport(
                epoch: epoch, trainingLoss: trainingLoss, validationLoss: validationLoss, improved: improved)
            history.append(report)
            outOfPatience = epoch - best.epoch >= configuration.patience
            if onEpoch(report) == .stop || outOfPatience { break }
        }
        model = model.replacing(parameters: best.parameters)
        parameters = best.parameters
        let finalEvaluation = evaluate(rows: trainingRows)
        let summary = TrainingSummary(
            trainingRows: trainingRows.count, validationRows: validationRows.count, epochs: history.count,
            bestEpoch: best.epoch, trainingLoss: best.trainingLoss,
            validationLoss: validationRows.isEmpty ? nil : best.loss,
            activeLatentUnits: finalEvaluation.unitKL.filter { $0 > 0.01 }.count,
            stoppedEarly: outOfPatience && history.count < configuration.epochs)
        return TrainingResult(model: model, summary: summary, history: history)
    }

    /// One gradient step on `batch` (row indices into `data`); returns the batch's mean loss.
    ///
    /// Two parallel phases: every worker runs forward and backward on its shard of rows; then every worker
    /// sums its slice of the parameter vector over all workers' gradients (in worker order) and applies Adam
    /// to that slice. With clipping, the global norm needs all slices first, so the Adam update becomes a
    /// third phase.
    mutating func step(batch: [Int], workspaces: [Workspace]) -> Float {
        let k = architecture.latentWidth
        let d = architecture.inputWidth
        let rows = batch.count
        let threads = pool.threadCount
        let sampling = configuration.sampling
        let sigma = configuration.denoisingNoise
        let noiseSeed = rng.next()
        let scale = 1 / Float(rows)
        let count = layout.count
        var partialLoss = [Float](repeating: 0, count: threads)
        data.withUnsafeBufferPointer { xs in
            withOptionalBuffer(mask) { ms in
                parameters.withUnsafeBufferPointer { ps in
                    partialLoss.withUnsafeMutableBufferPointer { losses in
                        pool.run { worker in
                            let ws = workspaces[worker]
                            let shard = ThreadPool.chunk(worker, of: threads, count: rows)
                            guard !shard.isEmpty else {
                                ws.parameterGradient.update(repeating: 0, count: count)
                                losses[worker] = 0
                                return
                            }
                            let n = shard.count
                            ws.load(rows: batch[shard], from: xs.baseAddress!, mask: ms)
                            // Noise for a row depends only on the step's seed and the row's place in the batch,
                            // never on which worker draws it.
                            for (slot, position) in shard.enumerated() {
                                var generator = SeededGenerator(
                                    seed: noiseSeed &+ UInt64(position) &* 0x9E37_79B9_7F4A_7C15)
                                if sampling {
                                    NormalSampler.fill(
                                        UnsafeMutableBufferPointer(start: ws.noise + slot * k, count: k), &generator)
                                }
                                if sigma > 0 {
                                    let input = ws.input + slot * d
                                    for j in 0..<d { input[j] += sigma * NormalSampler.next(&generator) }
                                }
                            }
                            ws.forward(ps.baseAddress!, rows: n, sampling: sampling)
                            losses[worker] = ws.loss(ps.baseAddress!, rows: n)
                            ws.backward(
                                ps.baseAddress!, rows: n, sampling: sampling, scale: scale,
                                gradient: ws.parameterGradient)
                        }
                    }
                }
            }
        }
        applyGradients(workspaces)
        var total: Float = 0
        for loss in partialLoss { total += loss }
        return total * scale
    }

    /// Sums the workers' gradients (into worker 0's buffer, in worker order), clips the sum by its global
    /// norm if configured, and takes an Adam step, each worker on its own slice of the parameters.
    mutating func applyGradients(_ workspaces: [Workspace]) {
        let count = layout.count
        let threads = pool.threadCount
        let total = workspaces[0].parameterGradient
        let clip = configuration.gradientClipNorm
        let optimizer = self.optimizer
        optimizer.beginStep()
        var squares = [Float](repeating: 0, count: threads)
        parameters.withUnsafeMutableBufferPointer { ps in
            let parameters = ps.baseAddress!
            squares.withUnsafeMutableBufferPointer { partialSquares in
                pool.run { worker in
                    let slice = ThreadPool.chunk(worker, of: threads, count: count)
                    for ws in workspaces.dropFirst() {
                        let g = ws.parameterGradient
                        for i in slice { total[i] += g[i] }
                    }
                    if clip != nil {
                        partialSquares[worker] = Kernels.sumOfSquares(total + slice.lowerBound, count: slice.count)
                    } else {
                        optimizer.update(parameters, gradient: total, range: slice)
                    }
                }
                if let clip {
                    var sum: Float = 0
                    for value in partialSquares { sum += value }
                    let norm = sum.squareRoot()
                    let factor: Float = norm > clip ? clip / norm : 1
                    pool.run { worker in
                        let slice = ThreadPool.chunk(worker, of: threads, count: count)
                        if factor != 1 {
                            for i in slice { total[i] *= factor }
                        }
                        optimizer.update(parameters, gradient: total, range: slice)
                    }
                }
            }
            if let offset = layout.logVariance {
                // Keep the per-feature log-variances where e^(−s) stays well scaled.
                let range = TrainingRun.featureLogVarianceRange
                for j in 0..<architecture.inputWidth {
                    ps[offset + j] = min(max(ps[offset + j], range.lowerBound), range.upperBound)
                }
            }
        }
    }

    /// Bounds on the learned per-feature log-variance s of the Gaussian loss: σ between e⁻⁴ ≈ 0.018 and
    /// e⁴ ≈ 55 standard units. Without a floor, a feature the model reconstructs exactly drives s → −∞ and
    /// any later deviation on it dominates every score.
    static let featureLogVarianceRange: ClosedRange<Float> = -8...8

    /// Mean loss (z = μ) and mean per-unit KL over `rows`, computed in fixed-size blocks whose results are
    /// combined in block order, so the figures do not depend on the thread count.
    func evaluate(rows: [Int]) -> (meanLoss: Float, unitKL: [Float]) {
        let k = architecture.latentWidth
        let block = VAEModel.scoringBlock
        let blocks = (rows.count + block - 1) / block
        var blockLoss = [Double](repeating: 0, count: blocks)
        var blockUnitKL = [Double](repeating: 0, count: blocks * k)
        data.withUnsafeBufferPointer { xs in
            withOptionalBuffer(mask) { ms in
                parameters.withUnsafeBufferPointer { ps in
                    blockLoss.withUnsafeMutableBufferPointer { losses in
                        blockUnitKL.withUnsafeMutableBufferPointer { unitKL in
                            pool.parallelFor(blocks) { range, _ in
                                let ws = Workspace(architecture: architecture, layout: layout, capacity: block)
                                let perUnit = UnsafeMutablePointer<Float>.allocate(capacity: block * k)
                                defer { perUnit.deallocate() }
                                for b in range {
                                    let slice = rows[(b * block)..<min((b + 1) * block, rows.count)]
                                    ws.load(rows: slice, from: xs.baseAddress!, mask: ms)
                                    ws.forward(ps.baseAddress!, rows: slice.count, sampling: false)
                                    losses[b] = Double(
                                        ws.loss(ps.baseAddress!, rows: slice.count, klPerUnit: perUnit))
                                    for i in 0..<slice.count {
                                        for j in 0..<k { unitKL[b * k + j] += Double(perUnit[i * k + j]) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let n = Double(max(rows.count, 1))
        let meanLoss = Float(blockLoss.reduce(0, +) / n)
        let unitKL = (0..<k).map { j in Float((0..<blocks).reduce(0.0) { $0 + blockUnitKL[$1 * k + j] } / n) }
        return (meanLoss, unitKL)
    }
}

/// Calls `body` with the matrix's storage, or nil.
func withOptionalBuffer<R>(_ matrix: Matrix?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let matrix else { return body(nil) }
    return matrix.withUnsafeBufferPointer { body($0.baseAddress) }
}
