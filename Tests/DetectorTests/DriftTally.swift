/// Counts of verdicts against labels over some rows: how many normal rows were flagged, how many planted
/// anomalies were caught.
struct DriftTally: CustomStringConvertible {
    /// Normal rows seen.
    var normal = 0
    /// Normal rows flagged.
    var falseAlarms = 0
    /// Planted anomalies seen.
    var anomalies = 0
    /// Planted anomalies flagged.
    var caught = 0

    /// Counts one row.
    mutating func add(isAnomaly label: Bool, flagged: Bool) {
        if label {
            anomalies += 1
            if flagged { caught += 1 }
        } else {
            normal += 1
            if flagged { falseAlarms += 1 }
        }
    }

    /// Fraction of normal rows flagged (0 without any).
    var flaggedRate: Double { normal == 0 ? 0 : Double(falseAlarms) / Double(normal) }
    /// Fraction of planted anomalies flagged (0 without any).
    var recall: Double { anomalies == 0 ? 0 : Double(caught) / Double(anomalies) }

    /// For example "normal flagged 0.84 % (67/7913), recall 0.92 (80/87)".
    var description: String {
        "normal flagged \(Self.percent(flaggedRate)) (\(falseAlarms)/\(normal)), recall \(Self.fixed(recall)) "
            + "(\(caught)/\(anomalies))"
    }

    /// `fraction` as a percentage with two decimals, such as "0.84 %".
    static func percent(_ fraction: Double) -> String {
        fixed(fraction * 100) + " %"
    }

    /// `value` with two decimals (no Foundation formatting in the tests).
    static func fixed(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
