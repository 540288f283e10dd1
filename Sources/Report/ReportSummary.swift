/// The counts a report states in its title, which the command also prints: records, flagged records, their
/// percentage, and the model versions that scored them.
package struct ReportSummary: Sendable, Equatable {
    /// Records in the report.
    package let records: Int
    /// Records flagged as anomalies.
    package let flagged: Int
    /// The lowest and highest model version among the records, when the input says.
    package let modelVersions: ClosedRange<Int>?

    /// Counts `points`.
    package init(_ points: [ScoredPoint]) {
        records = points.count
        var flagged = 0
        var lowest = Int.max
        var highest = Int.min
        for point in points {
            if point.isAnomaly { flagged += 1 }
            if let version = point.modelVersion {
                lowest = min(lowest, version)
                highest = max(highest, version)
            }
        }
        self.flagged = flagged
        modelVersions = lowest <= highest ? lowest...highest : nil
    }

    /// Whether the records were scored by more than one model version: the model was retrained in between, so the
    /// threshold may step.
    package var retrained: Bool { (modelVersions?.count ?? 0) > 1 }

    /// The flagged records as a percentage of all: `0.49%`.
    package var flaggedPercent: String {
        NumberText.percent(records > 0 ? Double(flagged) / Double(records) : 0)
    }

    /// `model versions 1–3`, `model version 2`, or nil when the input does not say.
    package var versionText: String? {
        guard let versions = modelVersions else { return nil }
        return versions.count == 1
            ? "model version \(versions.lowerBound)" : "model versions \(versions.lowerBound)–\(versions.upperBound)"
    }

    /// The parts of the summary: `12,345 records`, `61 flagged (0.49%)` and, when known, the model versions.
    package var parts: [String] {
        [
            "\(NumberText.count(records)) record\(records == 1 ? "" : "s")",
            "\(NumberText.count(flagged)) flagged (\(flaggedPercent))",
        ] + (versionText.map { [$0] } ?? [])
    }

    /// `12,345 records, 61 flagged (0.49%), model versions 1–3`.
    package var text: String { parts.joined(separator: ", ") }
}
