import Compute
import VAE

extension Detector {
    /// Below this many records the verdicts are assembled on the calling thread; a pool job costs more.
    static let parallelRows = 4_096

    /// Scores every record of `batch`: standardize, run the network with z = μ, and compare with the threshold.
    ///
    /// Each verdict names the ``topFeatureCount`` features with the largest share of its reconstruction error,
    /// largest first, ties going to the lower column; features with no share are left out and the rest of the
    /// slots padded with index −1 and share 0. Allocates per batch, never per record.
    ///
    /// - Parameters:
    ///   - batch: raw records with ``inputWidth`` features, every observed value finite, and their times when the
    ///     model has a ``timeColumn`` (times the model does not use are ignored).
    ///   - pool: when given, the network and the verdicts run on its threads.
    ///   - latentMean: whether the verdicts carry each record's latent mean μ (``Verdicts/latentMean``); the
    ///     network computes it anyway, so asking costs only the `[n, k]` it keeps alive.
    public func score(_ batch: RecordBatch, pool: ThreadPool? = nil, latentMean: Bool = false) -> Verdicts {
        precondition(
            batch.width == inputWidth, "Detector.score: batch has \(batch.width) features, the model \(inputWidth)")
        let (x, mask) = scaler.standardize(batch)  // [n, d] each
        let scores = model.score(x, mask: mask, conditions: conditions(of: batch), pool: pool)
        let n = batch.count
        let d = inputWidth
        let k = topFeatureCount
        let threshold = self.threshold
        var isAnomaly = [Bool](repeating: false, count: n)
        var missingCount = [Int](repeating: 0, count: n)
        var topIndex = [Int32](repeating: -1, count: n * k)  // [n, k]
        var topShare = [Float](repeating: 0, count: n * k)  // [n, k]
        scores.score.withUnsafeBufferPointer { score in
            scores.featureShares.withUnsafeBufferPointer { shares in
                batch.withObservedBuffer { observed in
                    isAnomaly.withUnsafeMutableBufferPointer { isAnomaly in
                        missingCount.withUnsafeMutableBufferPointer { missingCount in
                            topIndex.withUnsafeMutableBufferPointer { topIndex in
                                topShare.withUnsafeMutableBufferPointer { topShare in
                                    func work(_ rows: Range<Int>, _: Int) {
                                        for i in rows {
                                            isAnomaly[i] = score[i] > threshold
                                            if let observed {
                                                var missing = 0
                                                for j in 0..<d where observed[i * d + j] == 0 { missing += 1 }
                                                missingCount[i] = missing
                                            }
                                            Self.selectTop(
                                                shares.baseAddress! + i * d, count: d,
                                                index: topIndex.baseAddress! + i * k,
                                                share: topShare.baseAddress! + i * k, slots: k)
                                        }
                                    }
                                    if let pool, n >= Self.parallelRows {
                                        pool.parallelFor(n, work)
                                    } else if n > 0 {
                                        work(0..<n, 0)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Verdicts(
            score: scores.score, recon: scores.recon, kl: scores.kl, isAnomaly: isAnomaly,
            missingCount: missingCount, topFeatureIndex: topIndex, topFeatureShare: topShare, topCount: k,
            threshold: threshold, modelVersion: version, featureNames: featureNames,
            latentMean: latentMean ? scores.latentMean : nil)
    }

    /// The network's conditioning inputs for `batch`: its times as ``TimeContext`` inputs `[n, 4]` when the model
    /// has a time column, else nil. Traps when the model needs times the batch lacks: whoever reads records for a
    /// model checks its time column first (``checkTimeColumn(_:)``).
    func conditions(of batch: RecordBatch) -> Matrix? {
        guard let column = timeColumn else { return nil }
        guard let times = batch.times else {
            preconditionFailure("Detector: the model needs each record's time (column \(column)); the batch has none")
        }
        return TimeContext.inputs(times)
    }

    /// Writes the `slots` largest positive values of `shares [count]` into `share [slots]`, largest first, and
    /// their positions into `index [slots]` (already −1 / 0). Ties keep the lower position first. An insertion
    /// into a short sorted list: O(count · slots) with slots ≈ 3, cheaper than sorting a row.
    @inline(__always)
    static func selectTop(
        _ shares: UnsafePointer<Float>, count: Int, index: UnsafeMutablePointer<Int32>,
        share: UnsafeMutablePointer<Float>, slots: Int
    ) {
        var filled = 0
        for j in 0..<count {
            let value = shares[j]
            guard value > 0 else { continue }
            var slot = filled
            if filled == slots {
                guard value > share[slots - 1] else { continue }
                slot = slots - 1
            } else {
                filled += 1
            }
            while slot > 0 && value > share[slot - 1] {
                share[slot] = share[slot - 1]
                index[slot] = index[slot - 1]
                slot -= 1
            }
            share[slot] = value
            index[slot] = Int32(j)
        }
    }
}
