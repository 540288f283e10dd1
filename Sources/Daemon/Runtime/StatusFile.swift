import Detector
import Glibc
internal import SystemIO

/// The status file the daemon keeps in its runtime folder (`status.json`): one flat JSON object, replaced
/// atomically about once a second, read by `vaewatch status`.
package enum StatusFile {
    /// The file's name in the runtime folder.
    package static let name = "status.json"

    /// `status` as JSON: one object, keys in snake case, absent values as null. `exit_status` and `stopped_at` stay
    /// null until the daemon's last write, which sets `state` to `stopped`.
    package static func encode(_ status: DaemonStatus) -> String {
        var fields: [(String, String)] = [
            ("state", quoted(status.state.rawValue)),
            ("status", quoted(status.line)),
            ("pid", "\(status.pid)"),
            ("source", quoted(status.source)),
            ("role", status.role.map { quoted($0.rawValue) } ?? "null"),
            ("records", "\(status.records)"),
            ("anomalies", "\(status.anomalies)"),
            ("rejects", "\(status.rejects)"),
            ("dead_letters", "\(status.deadLetters)"),
            ("anomaly_rate", "\(status.anomalyRate)"),
            ("model_version", status.modelVersion.map { "\($0)" } ?? "null"),
            ("threshold", status.threshold.map { $0.isFinite ? "\($0)" : "null" } ?? "null"),
            ("retrains", "\(status.retrains)"),
            ("retraining", status.retraining ? "true" : "false"),
            ("last_retrain_at", status.lastRetrainAt.map { "\($0)" } ?? "null"),
            ("next_retrain_records", status.nextRetrainRecords.map { "\($0)" } ?? "null"),
            ("next_retrain_seconds", status.nextRetrainSeconds.map { "\(Int($0.rounded(.up)))" } ?? "null"),
            ("lag_seconds", "\(Int(status.lagSeconds))"),
            ("last_error", status.lastError.map(quoted) ?? "null"),
            ("updated_at", "\(status.updatedAt)"),
            ("exit_status", status.exitStatus.map { "\($0)" } ?? "null"),
            ("stopped_at", status.stoppedAt.map { "\($0)" } ?? "null"),
        ]
        if let detail = status.detail { fields.append(("detail", quoted(detail))) }
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}\n"
    }

    /// Replaces `directory/status.json` with `status` atomically (SystemIO's `OutputFile`: a temporary file renamed
    /// over it), so a reader never sees half a file.
    package static func write(_ status: DaemonStatus, in directory: String) throws(DaemonError) {
        let path = directory + "/" + name
        do {
            try OutputFile.write(
                Array(encode(status).utf8), to: path, permissions: 0o644, durable: false, noun: "status file")
        } catch {
            throw DaemonError(.io, error.described(cannot: "write", path))
        }
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String { JSONText.quoted(text) }
}
