import Detector

/// The payload of `NOTIFY vaewatch_anomalies`, which the sink sends in the transaction that writes a batch with
/// flagged records, so that an application can `LISTEN` instead of polling `vaewatch.anomalies`. PostgreSQL delivers
/// it when the transaction commits, and never for one rolled back.
///
/// A small JSON object:
/// `{"source":"public.metrics","count":3,"max_score":41.5,"threshold":12.25,"model_version":7,"keys":["17","42","99"]}`:
/// the flagged records written (`count`), the highest score among them (the string `"Infinity"` when one overflowed),
/// the threshold and model version that judged the batch, and the keys of the first flagged records, as many as fit
/// in ``byteLimit`` (at most ``keyLimit``); `count` minus the keys listed were left out.
package enum AnomalyNotice {
    /// The channel.
    package static let channel = "vaewatch_anomalies"
    /// Most bytes a payload takes; PostgreSQL refuses one of 8000 bytes or more.
    package static let byteLimit = 7_900
    /// Most keys a payload lists.
    package static let keyLimit = 100

    /// The payload for the flagged records among `verdicts` whose row `i` is `keys[i]`, leaving out the rows in
    /// `refused` (not written); nil when none of them is flagged.
    package static func payload(source: String, keys: [String], verdicts: Verdicts, refused: Set<String> = [])
        -> String?
    {
        var flagged: [Int] = []
        for i in 0..<verdicts.count where verdicts.isAnomaly[i] && !refused.contains(keys[i]) { flagged.append(i) }
        guard let first = flagged.first else { return nil }
        let highest = flagged.reduce(verdicts.score[first]) { max($0, verdicts.score[$1]) }
        let score = highest.isFinite ? "\(highest)" : JSONText.quoted("Infinity")
        let head =
            "{\"source\":\(JSONText.quoted(source)),\"count\":\(flagged.count),\"max_score\":\(score),"
            + "\"threshold\":\(verdicts.threshold),\"model_version\":\(verdicts.modelVersion),\"keys\":["
        let tail = "]}"
        var payload = head
        var listed = 0
        for i in flagged.prefix(keyLimit) {
            let key = (listed > 0 ? "," : "") + JSONText.quoted(keys[i])
            guard payload.utf8.count + key.utf8.count + tail.utf8.count <= byteLimit else { break }
            payload += key
            listed += 1
        }
        return payload + tail
    }
}
