import Detector
import Glibc
import Report
import TestSupport

/// Seeded report data for the tests.
enum ReportFixtures {
    /// `count` records numbered from 1 with log-normal scores around 1.5, threshold 9.5 (12 from `retrainAt` on, as
    /// model version 2), and every record whose index is in `flagged` lifted to 30 and flagged with two features.
    static func points(
        count: Int, flagged: Set<Int> = [], retrainAt: Int? = nil, seed: UInt64 = 7
    ) -> [ScoredPoint] {
        var random = SplitMix64(seed: seed)
        var points: [ScoredPoint] = []
        points.reserveCapacity(count)
        for index in 0..<count {
            let retrained = retrainAt.map { index >= $0 } ?? false
            let isAnomaly = flagged.contains(index)
            points.append(
                ScoredPoint(
                    x: Double(index + 1), score: isAnomaly ? 30 + random.unit() : exp(0.4 * random.normal()),
                    threshold: retrained ? 12 : 9.5, isAnomaly: isAnomaly, modelVersion: retrained ? 2 : 1,
                    top: isAnomaly
                        ? [
                            ScoredRecord.Share(feature: "cpu", share: 0.6),
                            ScoredRecord.Share(feature: "mem", share: 0.3),
                        ] : []))
        }
        return points
    }

    /// Report data over `points`, by record number, with feature shares.
    static func data(_ points: [ScoredPoint], source: String = "scored.jsonl") -> ReportData {
        ReportData(source: source, xAxis: .recordNumber, points: points, hasFeatureShares: true)
    }
}
