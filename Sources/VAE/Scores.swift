import Compute

/// What scoring says about each record of a batch.
public struct Scores: Sendable, Equatable {
    /// Reconstruction term per record over its observed features: ½ Σⱼ (xⱼ − x̂ⱼ)², with each feature's
    /// squared error divided by its learned variance for ``ReconstructionLoss/gaussian``; never negative.
    public var recon: [Float]
    /// KL(q(z|x) ‖ N(0, I)) per record: how far the record's latent posterior sits from the prior.
    public var kl: [Float]
    /// `recon + β·kl`, the negative ELBO, per record.
    public var score: [Float]
    /// Each feature's share of its record's reconstruction error, `[n, d]`; each row sums to 1 (or is all
    /// zero when the record is reconstructed exactly). Missing features get 0.
    public var featureShares: Matrix
    /// The posterior mean μ, `[n, k]`.
    public var latentMean: Matrix
    /// The posterior log-variance log σ², `[n, k]`.
    public var latentLogVariance: Matrix

    /// Number of records scored.
    public var count: Int { score.count }
}

extension VAEModel {
    /// Rows scored per block; bounds workspace memory and keeps a block's activations in cache.
    static let scoringBlock = 256

    /// Scores every row of `x` with z = μ (deterministic).
    ///
    /// Inputs must be finite. A finite input so extreme that the network overflows Float32 gets +∞ for the
    /// overflowing terms, never NaN, and its feature shares go to the features whose error overflowed.
    ///
    /// - Parameters:
    ///   - x: inputs `[n, d]`, already standardized; missing values already imputed.
    ///   - mask: `[n, d]`, 1 where a value was observed and 0 where it was missing; nil means all observed.
    ///     Missing features do not count towards the reconstruction error.
    ///   - conditions: `[n, c]`, the conditioning inputs of each row (``Architecture/conditionWidth``); needed
    ///     exactly when c > 0. They are inputs only: no error is measured on them.
    ///   - pool: when given, blocks of rows are scored on its threads.
    public func score(
        _ x: Matrix, mask: Matrix? = nil, conditions: Matrix? = nil, pool: ThreadPool? = nil
    ) -> Scores {
        let d = architecture.inputWidth
        let k = architecture.latentWidth
        precondition(x.cols == d, "VAEModel.score: input has \(x.cols) columns, the model expects \(d)")
        if let mask {
            precondition(mask.rows == x.rows && mask.cols == d, "VAEModel.score: mask shape differs from input")
        }
        checkConditions(conditions, rows: x.rows, caller: "VAEModel.score")
        let n = x.rows
        let out = ScoreOutputs(rows: n, features: d, latent: k)
        let blocks = (n + Self.scoringBlock - 1) / Self.scoringBlock
        x.withUnsafeBufferPointer { xs in
            withOptionalBuffers(mask, conditions) { ms, cs in
                parameters.withUnsafeBufferPointer { ps in
                    let work: (Range<Int>, Int) -> Void = { blockRange, _ in
                        let workspace = Workspace(
                            architecture: architecture, layout: layout, capacity: Self.scoringBlock)
                        for block in blockRange {
                            let start = block * Self.scoringBlock
                            let rows = start..<min(start + Self.scoringBlock, n)
                            workspace.score(
                                ps.baseAddress!, x: xs.baseAddress!, mask: ms, conditions: cs, rows: rows,
                                into: out)
                        }
                    }
                    if let pool {
                        pool.parallelFor(blocks, work)
                    } else if blocks > 0 {
                        work(0..<blocks, 0)
                    }
                }
            }
        }
        return out.scores(beta: architecture.beta)
    }
}

extension VAEModel {
    /// Traps unless `conditions` are there exactly when the network takes some, as `[rows, c]`: a caller that
    /// passes records without their conditions has a bug (the `Detector` checks its records first).
    func checkConditions(_ conditions: Matrix?, rows: Int, caller: String) {
        let c = architecture.conditionWidth
        if let conditions {
            precondition(
                c > 0 && conditions.rows == rows && conditions.cols == c,
                "\(caller): conditions are [\(conditions.rows), \(conditions.cols)], the model takes [\(rows), \(c)]")
        } else {
            precondition(c == 0, "\(caller): the model takes \(c) conditions per row and none were given")
        }
    }
}

/// Destination buffers of a scoring call; each block writes its own rows.
final class ScoreOutputs {
    let rows: Int
    let features: Int
    let latent: Int
    /// `[rows]` each.
    let recon: UnsafeMutablePointer<Float>
    let kl: UnsafeMutablePointer<Float>
    /// `[rows, features]`.
    let shares: UnsafeMutablePointer<Float>
    /// `[rows, latent]` each.
    let mean: UnsafeMutablePointer<Float>
    let logVariance: UnsafeMutablePointer<Float>

    init(rows: Int, features: Int, latent: Int) {
        self.rows = rows
        self.features = features
        self.latent = latent
        recon = .allocate(capacity: max(1, rows))
        kl = .allocate(capacity: max(1, rows))
        shares = .allocate(capacity: max(1, rows * features))
        mean = .allocate(capacity: max(1, rows * latent))
        logVariance = .allocate(capacity: max(1, rows * latent))
    }

    deinit {
        for p in [recon, kl, shares, mean, logVariance] { p.deallocate() }
    }

    /// Copies the buffers, all written by now, into a ``Scores`` value.
    func scores(beta: Float) -> Scores {
        let recon = Array(UnsafeBufferPointer(start: recon, count: rows))
        let kl = Array(UnsafeBufferPointer(start: kl, count: rows))
        func matrix(_ p: UnsafeMutablePointer<Float>, cols: Int) -> Matrix {
            Matrix(rows: rows, cols: cols, storage: Array(UnsafeBufferPointer(start: p, count: rows * cols)))
        }
        // With β = 0 the KL term is left out, not multiplied by zero (0 · ∞ would be NaN).
        let score = zip(recon, kl).map { recon, kl in beta == 0 ? recon : recon + beta * kl }
        return Scores(
            recon: recon, kl: kl, score: score, featureShares: matrix(shares, cols: features),
            latentMean: matrix(mean, cols: latent), latentLogVariance: matrix(logVariance, cols: latent))
    }
}

extension Workspace {
    /// Scores rows `rows` of `x [*, d]` (mask likewise, conditions `[*, c]`) into the same rows of `out`.
    func score(
        _ parameters: UnsafePointer<Float>, x: UnsafePointer<Float>, mask sourceMask: UnsafePointer<Float>?,
        conditions: UnsafePointer<Float>?, rows: Range<Int>, into out: ScoreOutputs
    ) {
        let d = architecture.inputWidth
        let k = architecture.latentWidth
        let n = rows.count
        load(rows: rows, from: x, mask: sourceMask, conditions: conditions)
        forward(parameters, rows: n, sampling: false)
        _ = loss(parameters, rows: n)
        for i in 0..<n {
            // residuals [n, d]: each observed feature's squared error over its variance (1 for squared error).
            let w = residuals + i * d
            let total = Kernels.sum(w, count: d)
            // The data term only: without the log-variance constants of the Gaussian loss, recon is ≥ 0.
            let data = 0.5 * total
            // Inputs are finite, so a NaN here can only come from overflow inside the network: the record lies
            // beyond what Float32 can measure, and its score is +∞.
            out.recon[rows.lowerBound + i] = data.isNaN ? .infinity : data
            out.kl[rows.lowerBound + i] = kl[i].isNaN ? .infinity : kl[i]
            let share = out.shares + (rows.lowerBound + i) * d
            if total.isFinite {
                let inverse: Float = total > 0 ? 1 / total : 0
                for j in 0..<d { share[j] = w[j] * inverse }
            } else {
                // Overflowed: the blame goes in equal parts to the features whose error overflowed.
                var overflowed: Float = 0
                for j in 0..<d where !w[j].isFinite { overflowed += 1 }
                for j in 0..<d { share[j] = w[j].isFinite || overflowed == 0 ? 0 : 1 / overflowed }
            }
            (out.mean + (rows.lowerBound + i) * k).update(from: head + i * 2 * k, count: k)
            (out.logVariance + (rows.lowerBound + i) * k).update(from: head + i * 2 * k + k, count: k)
        }
    }
}
