import Compute

/// A bounded buffer of recent records judged normal enough to learn from: the data of the next incremental retrain.
///
/// ``offer(_:verdicts:)`` admits a scored record when its score and every observed value are finite and:
/// - the model called it normal; or
/// - it was flagged, no identical record (same values, same missing values) is held, and its score is at most a
///   limit measured on the scores the model in use gave the last ``AdmissionPolicy/recentSpan`` records offered
///   (their median, and their median absolute deviation, MAD):
///   - the **tail band**, `threshold + tailWidth × (threshold − median)`. The normal records just above the
///     threshold come in, so a retrain calibrates its threshold on the whole normal distribution rather than on one
///     cut at the last threshold (which flags more after every retrain: 1 %, 2 %, 3 %…); spikes stay out.
///   - during a **regime change**, the **regime fence** `median + regimeFenceWidth × MAD` when it is higher. A
///     regime change starts when more than ``AdmissionPolicy/regimeChangeLevel`` of the last `recentSpan` records
///     were flagged (the old model flags the new normal everywhere, and the new normal is what the next retrain must
///     learn), dropping the records held (``AdmissionPolicy/forgetsOnRegimeChange``); it ends when half that level
///     or less are, so that a flagged fraction hovering around the level does not start one change after another.
///
/// So a burst of identical records adds one copy at most, an incident that is under half the traffic never
/// counts as a new normal, and one that lasts longer than half the span does: a sustained change cannot be told
/// from a sustained attack, only from a short one. Until 100 scores of the model in use have been seen (after every
/// model change), flagged records stay out.
///
/// When the window is full the oldest record makes room for the newest. Storage is flat (values, mask, keys) and
/// grows with the records up to `capacity` rows, so a window that never fills never costs its full size; once
/// full, offering records copies values into the oldest slots and allocates nothing but the scores' sort. A missing
/// value is held as 0 whatever its placeholder was, as ``RecordBatch`` documents it. Each record's time is held with
/// it, for a model with a time context.
public struct TrainingWindow: Sendable {
    /// Most records held.
    public let capacity: Int
    /// Features per record.
    public let width: Int
    /// The admission rules' settings.
    public let policy: AdmissionPolicy
    /// Records offered so far, accepted or not.
    public private(set) var totalOffered = 0
    /// Records accepted so far, including those since evicted.
    public private(set) var totalAccepted = 0
    /// Flagged records accepted so far (part of ``totalAccepted``).
    public private(set) var flaggedAccepted = 0
    /// Flagged records refused because their score was above the limit in force (tail band or regime fence).
    public private(set) var refusedOutside = 0
    /// Flagged records refused because an identical record was held.
    public private(set) var refusedDuplicates = 0
    /// Records refused because a value or the score was not finite (training cannot use them).
    public private(set) var refusedInvalid = 0
    /// Records refused because the window holds them already: the same key with the same values, offered again (a
    /// row scored again after `vaewatch backfill`, or one that warm-up put in and the stream then scored). A record
    /// enters the window once, or every retrain would weigh it twice.
    public private(set) var refusedHeld = 0
    /// Regime changes started so far.
    public private(set) var regimeChanges = 0
    /// Whether a regime change is on: it started when more than ``AdmissionPolicy/regimeChangeLevel`` of the last
    /// records offered were flagged, and ends when half that level or less are.
    public private(set) var isInRegimeChange = false

    /// Raw values, row `slot` at `slot * width`. `[min(totalAccepted, capacity), width]`
    private var features: [Float] = []
    /// 1 where observed, 0 where missing, laid out like `features`.
    private var observed: [Float] = []
    /// Each slot's key.
    private var keys: [String] = []
    /// Each slot's time (``RecordBatch/times``), NaN for a record that came without one.
    private var times: [Double] = []
    /// Whether each slot has a missing value.
    private var hasMissing: [Bool] = []
    /// Each slot's ``RecordDigest``.
    private var digests: [Int] = []
    /// How many held records have each digest.
    private var copies: [Int: Int] = [:]
    /// The records held, by key and ``RecordDigest``: each at most once.
    private var held: Set<HeldRecord> = []
    /// Slots that have a missing value.
    private var rowsWithMissing = 0
    /// Slot of the oldest record; 0 until the window is full.
    private var oldest = 0
    /// The recent flags and scores the bands are measured on.
    private var recent: RecentVerdicts

    /// An empty window for records of `width` features; `policy` must be valid (see ``AdmissionPolicy/validate()``).
    public init(capacity: Int, width: Int, policy: AdmissionPolicy = AdmissionPolicy()) {
        precondition(capacity >= 1, "TrainingWindow: capacity is \(capacity); it must be at least 1")
        precondition(width >= 1, "TrainingWindow: width is \(width); it must be at least 1")
        do {
            try policy.validate()
        } catch {
            preconditionFailure("TrainingWindow: \(error.description)")
        }
        self.capacity = capacity
        self.width = width
        self.policy = policy
        recent = RecentVerdicts(span: policy.recentSpan)
    }

    /// Records held, at most ``capacity``.
    public var count: Int { keys.count }

    /// Fraction of the last ``AdmissionPolicy/recentSpan`` records offered that were flagged (records not yet
    /// offered count as not flagged).
    public var recentFlaggedFraction: Double { recent.flaggedFraction }

    /// Offers scored records; those the rules above admit are kept, in order.
    public mutating func offer(_ batch: RecordBatch, verdicts: Verdicts) {
        precondition(verdicts.count == batch.count, "TrainingWindow: \(verdicts.count) verdicts for \(batch.count)")
        precondition(batch.width == width, "TrainingWindow: batch has \(batch.width) features, the window \(width)")
        totalOffered += batch.count
        recent.record(verdicts)
        let flagged = Double(recent.flaggedCount)
        let level = policy.regimeChangeLevel * Double(policy.recentSpan)
        if !isInRegimeChange && flagged > level {
            isInRegimeChange = true
            regimeChanges += 1
            if policy.forgetsOnRegimeChange { removeAll() }
        } else if isInRegimeChange && flagged <= level / 2 {
            isInRegimeChange = false
        }
        var band: Float?  // The highest score a flagged record may have, computed for the first one.
        let d = width
        batch.features.withUnsafeBufferPointer { values in
            batch.withObservedBuffer { mask in
                for i in 0..<batch.count {
                    let row = i * d..<(i + 1) * d
                    let score = verdicts.score[i]
                    guard score.isFinite, row.allSatisfy({ values[$0].isFinite || mask?[$0] == 0 }) else {
                        refusedInvalid += 1
                        continue
                    }
                    let digest = RecordDigest.of(values: values, mask: mask, row: row)
                    guard !held.contains(HeldRecord(key: batch.keys[i], digest: digest)) else {
                        refusedHeld += 1
                        continue
                    }
                    if verdicts.isAnomaly[i] {
                        let limit = band ?? flaggedLimit(threshold: verdicts.threshold)
                        band = limit
                        guard score <= limit else {
                            refusedOutside += 1
                            continue
                        }
                        guard copies[digest] == nil else {
                            refusedDuplicates += 1
                            continue
                        }
                        flaggedAccepted += 1
                    }
                    append(
                        key: batch.keys[i], time: batch.times?[i] ?? .nan, values: values, mask: mask, row: row,
                        digest: digest)
                }
            }
        }
    }

    /// The records held, oldest first, with their original keys; `observed` is nil when none has a missing value,
    /// and `times` unless every record came with its time.
    public func snapshot() -> RecordBatch {
        let split = oldest * width
        let values = Self.oldestFirst(features, split: split)  // [count, width]
        let mask = rowsWithMissing > 0 ? Self.oldestFirst(observed, split: split) : nil  // [count, width]
        let timed = !times.isEmpty && !times.contains { $0.isNaN }
        return RecordBatch(
            keys: Self.oldestFirst(keys, split: oldest),
            features: Matrix(rows: count, cols: width, storage: values),
            observed: mask.map { Matrix(rows: count, cols: width, storage: $0) },
            times: timed ? Self.oldestFirst(times, split: oldest) : nil)
    }

    /// The highest score at which a flagged record may enter now: the regime fence during a regime change, the
    /// tail band otherwise; −∞ while too few scores of the model in use have been seen.
    private mutating func flaggedLimit(threshold: Float) -> Float {
        guard let (median, deviation) = recent.statistics() else { return -.infinity }
        let tail = threshold + policy.tailWidth * max(0, threshold - median)
        return isInRegimeChange ? max(tail, median + policy.regimeFenceWidth * deviation) : tail
    }

    /// `array[split...]` followed by `array[..<split]`.
    private static func oldestFirst<Element>(_ array: [Element], split: Int) -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(array.count)
        result.append(contentsOf: array[split...])
        result.append(contentsOf: array[..<split])
        return result
    }

    /// Drops every record held, keeping the storage's capacity and the counts.
    private mutating func removeAll() {
        features.removeAll(keepingCapacity: true)
        observed.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        times.removeAll(keepingCapacity: true)
        hasMissing.removeAll(keepingCapacity: true)
        digests.removeAll(keepingCapacity: true)
        copies.removeAll(keepingCapacity: true)
        held.removeAll(keepingCapacity: true)
        rowsWithMissing = 0
        oldest = 0
    }

    /// Stores `row` of `values` (and `mask`) and the record's `time` in the next slot, evicting the oldest record
    /// when full.
    private mutating func append(
        key: String, time: Double, values: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<Float>?,
        row: Range<Int>, digest: Int
    ) {
        totalAccepted += 1
        copies[digest, default: 0] += 1
        held.insert(HeldRecord(key: key, digest: digest))
        let missing = mask.map { mask in row.contains { mask[$0] == 0 } } ?? false
        if missing { rowsWithMissing += 1 }
        guard count == capacity else {
            if let mask {
                features.append(contentsOf: row.lazy.map { mask[$0] == 0 ? 0 : values[$0] })
                observed.append(contentsOf: mask[row])
            } else {
                features.append(contentsOf: values[row])
                observed.append(contentsOf: repeatElement(1, count: width))
            }
            keys.append(key)
            times.append(time)
            hasMissing.append(missing)
            digests.append(digest)
            return
        }
        let slot = oldest
        oldest = (oldest + 1) % capacity
        if hasMissing[slot] { rowsWithMissing -= 1 }
        let evicted = digests[slot]
        if let held = copies[evicted], held > 1 { copies[evicted] = held - 1 } else { copies[evicted] = nil }
        held.remove(HeldRecord(key: keys[slot], digest: evicted))
        hasMissing[slot] = missing
        digests[slot] = digest
        keys[slot] = key
        times[slot] = time
        let target = slot * width
        for j in 0..<width {
            let seen = mask?[row.lowerBound + j] ?? 1
            features[target + j] = seen == 0 ? 0 : values[row.lowerBound + j]
            observed[target + j] = seen
        }
    }
}

/// A record held by a ``TrainingWindow``: its key and the digest of its values.
private struct HeldRecord: Hashable, Sendable {
    let key: String
    let digest: Int
}
