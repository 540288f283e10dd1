import Compute

/// The state of one training call: weights, optimizer, per-worker workspaces and gradient buffers.
struct TrainingRun {
    let configuration: TrainingConfiguration
    let architecture: Architecture
    let layout: ParameterLayout
    let data: Matrix
    let mask: Matrix?
    /// `[n, c]`, or nil for a network without conditions.
    let conditions: Matrix?
    let pool: ThreadPool
    var model: VAEModel
    var parameters: [Float]
    let optimizer: Adam
    var rng: SeededGenerator
    let trainingRows: [Int]
    let validationRows: [Int]

    /// With `split`, training steps on its training rows and early stopping watches its held-out rows (indices into
    /// `data`); without, a seeded random ``TrainingConfiguration/validationFraction`` of the rows is held out.
    init(
        model: VAEModel, data: Matrix, mask: Matrix?, conditions: Matrix?, configuration: TrainingConfiguration,
        split: TrainingSplit?, pool: ThreadPool
    ) {
        self.configuration = configuration
        self.architecture = model.architecture
        self.layout = model.layout
        self.data = data
        self.mask = mask
        self.conditions = conditions
        self.pool = pool
        self.model = model
        self.parameters = model.parameters
        self.optimizer = Adam(
            layout: model.layout, learningRate: configuration.learningRate, weightDecay: configuration.weightDecay)
        var rng = SeededGenerator(seed: configuration.seed)
        var order = Array(0..<data.rows)
        order.shuffle(using: &rng)
        if let split {
            self.validationRows = split.heldOut
            self.trainingRows = split.training
        } else {
            let held = data.rows - configuration.trainingRows(of: data.rows)
            self.validationRows = Array(order[..<held])
            self.trainingRows = Array(order[held...])
        }
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
        let epochs = configuration.epochs(trainingRows: trainingRows.count)
        for epoch in 1...epochs {
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
            stoppedEarly: outOfPatience && history.count < epochs,
            denoisingNoise: configuration.denoisingNoise > 0 ? configuration.denoisingNoise : nil)
        return TrainingResult(
            model: model, summary: summary, history: history, heldOutRows: validationRows.sorted())
    }

    /// One gradient step on `batch` (row indices into `data`); returns the batch's mean loss.
    ///
    /// Two parallel phases: every worker runs forward and backward on its shard of rows; then every worker
    /// sums its slice of the parameter vector over all workers' gradients (in worker order) and applies Adam
    /// to that slice. With clipping, the global norm needs all slices first, so the Adam update becomes a
    /// third phase. With a trimming cut, the backward pass waits for every row's loss (a phase of its own),
    /// and rows above the cut get weight 0 (``trimmingWeights(_:cut:)``).
    mutating func step(batch: [Int], workspaces: [Workspace]) -> Float {
        let beta = architecture.beta
        let rows = batch.count
        let threads = pool.threadCount
        let sampling = configuration.sampling
        let sigma = configuration.denoisingNoise
        let trimming = configuration.trimmingCut > 0 ? configuration.trimmingCut : nil
        let noiseSeed = rng.next()
        let count = layout.count
        var partialLoss = [Float](repeating: 0, count: threads)
        // [rows]: each row's loss, in batch order (only with trimming).
        var rowLoss = [Float](repeating: 0, count: trimming == nil ? 0 : rows)
        data.withUnsafeBufferPointer { xs in
            withOptionalBuffers(mask, conditions) { ms, cs in
                parameters.withUnsafeBufferPointer { ps in
                    partialLoss.withUnsafeMutableBufferPointer { losses in
                        rowLoss.withUnsafeMutableBufferPointer { rowLoss in
                            pool.run { worker in
                                let ws = workspaces[worker]
                                let shard = ThreadPool.chunk(worker, of: threads, count: rows)
                                guard !shard.isEmpty else {
                                    ws.parameterGradient.update(repeating: 0, count: count)
                                    losses[worker] = 0
                                    return
                                }
                                let n = shard.count
                                ws.load(
                                    rows: batch[shard], from: xs.baseAddress!, mask: ms, conditions: cs,
                                    positions: shard, noiseSeed: noiseSeed, sampling: sampling,
                                    denoisingNoise: sigma)
                                ws.forward(ps.baseAddress!, rows: n, sampling: sampling)
                                losses[worker] = ws.loss(ps.baseAddress!, rows: n)
                                if trimming != nil {
                                    for (slot, position) in shard.enumerated() {
                                        rowLoss[position] = Self.rowLoss(
                                            recon: ws.recon[slot], kl: ws.kl[slot], beta: beta)
                                    }
                                } else {
                                    ws.backward(
                                        ps.baseAddress!, rows: n, sampling: sampling, scale: 1 / Float(rows),
                                        gradient: ws.parameterGradient)
                                }
                            }
                        }
                    }
                    if let trimming {
                        let weights = Self.trimmingWeights(rowLoss, cut: trimming)
                        let kept = max(weights.reduce(0, +), 1)  // 0 only when a loss is NaN: the step then diverges
                        weights.withUnsafeBufferPointer { weights in
                            pool.run { worker in
                                let ws = workspaces[worker]
                                let shard = ThreadPool.chunk(worker, of: threads, count: rows)
                                guard !shard.isEmpty else { return }
                                ws.rowWeight.update(from: weights.baseAddress! + shard.lowerBound, count: shard.count)
                                ws.backward(
                                    ps.baseAddress!, rows: shard.count, sampling: sampling, scale: 1 / kept,
                                    rowWeight: ws.rowWeight, gradient: ws.parameterGradient)
                            }
                        }
                    }
                }
            }
        }
        applyGradients(workspaces)
        var total: Float = 0
        for loss in partialLoss { total += loss }
        return total / Float(rows)
    }

    /// One row's loss, recon + β·kl; with β = 0 the KL term is left out, not multiplied by zero (0 · ∞ is NaN).
    static func rowLoss(recon: Float, kl: Float, beta: Float) -> Float {
        beta == 0 ? recon : recon + beta * kl
    }

    /// Weights for a trimmed step, `[rows]`: 1 for a row whose loss is at most median + `cut` · 1.4826 · MAD of
    /// `losses`, 0 above. The row of least loss always keeps weight 1.
    static func trimmingWeights(_ losses: [Float], cut: Float) -> [Float] {
        let (center, deviation) = RobustStatistics.medianAndDeviation(losses)
        let limit = center + cut * 1.4826 * deviation
        let least = losses.min() ?? 0
        return losses.map { $0 <= limit || $0 == least ? 1 : 0 }
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
    /// combined in block order, so the figures do not depend on the thread count. With a trimming cut the mean
    /// loss leaves out the rows a trimmed step would (``trimmingWeights(_:cut:)`` over all of `rows`): early stopping
    /// then watches the loss training lowers, not one the rows it leaves out keep high.
    func evaluate(rows: [Int]) -> (meanLoss: Float, unitKL: [Float]) {
        let k = architecture.latentWidth
        let beta = architecture.beta
        var rowLoss = [Float](repeating: 0, count: rows.count)
        let block = VAEModel.scoringBlock
        let blocks = (rows.count + block - 1) / block
        var blockLoss = [Double](repeating: 0, count: blocks)
        var blockUnitKL = [Double](repeating: 0, count: blocks * k)
        data.withUnsafeBufferPointer { xs in
            withOptionalBuffers(mask, conditions) { ms, cs in
                parameters.withUnsafeBufferPointer { ps in
                    blockLoss.withUnsafeMutableBufferPointer { losses in
                        blockUnitKL.withUnsafeMutableBufferPointer { unitKL in
                            rowLoss.withUnsafeMutableBufferPointer { rowLoss in
                                pool.parallelFor(blocks) { range, _ in
                                    let ws = Workspace(architecture: architecture, layout: layout, capacity: block)
                                    let perUnit = UnsafeMutablePointer<Float>.allocate(capacity: block * k)
                                    defer { perUnit.deallocate() }
                                    for b in range {
                                        let slice = rows[(b * block)..<min((b + 1) * block, rows.count)]
                                        ws.load(rows: slice, from: xs.baseAddress!, mask: ms, conditions: cs)
                                        ws.forward(ps.baseAddress!, rows: slice.count, sampling: false)
                                        losses[b] = Double(
                                            ws.loss(ps.baseAddress!, rows: slice.count, klPerUnit: perUnit))
                                        for i in 0..<slice.count {
                                            for j in 0..<k { unitKL[b * k + j] += Double(perUnit[i * k + j]) }
                                            rowLoss[b * block + i] = Self.rowLoss(
                                                recon: ws.recon[i], kl: ws.kl[i], beta: beta)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let n = Double(max(rows.count, 1))
        var meanLoss = Float(blockLoss.reduce(0, +) / n)
        if configuration.trimmingCut > 0 && !rowLoss.isEmpty {
            let weights = Self.trimmingWeights(rowLoss, cut: configuration.trimmingCut)
            var kept = 0.0
            var total = 0.0
            for (loss, weight) in zip(rowLoss, weights) where weight > 0 {
                kept += 1
                total += Double(loss)
            }
            meanLoss = Float(total / kept)
        }
        let unitKL = (0..<k).map { j in Float((0..<blocks).reduce(0.0) { $0 + blockUnitKL[$1 * k + j] } / n) }
        return (meanLoss, unitKL)
    }
}

/// Calls `body` with the matrix's storage, or nil.
func withOptionalBuffer<R>(_ matrix: Matrix?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let matrix else { return body(nil) }
    return matrix.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Calls `body` with both matrices' storage, each or nil.
func withOptionalBuffers<R>(
    _ first: Matrix?, _ second: Matrix?, _ body: (UnsafePointer<Float>?, UnsafePointer<Float>?) -> R
) -> R {
    withOptionalBuffer(first) { a in withOptionalBuffer(second) { b in body(a, b) } }
}
