import Glibc
import TestSupport

/// A seeded stream of a web service's metrics every 5 minutes, with the daily cycle of `scripts/demo`: quiet at night,
/// busy at noon, and every metric following the load. After `normalDays` of normal records (learned from), `scoredDays`
/// more hold anomalies planted at night (23:00–03:00), of two kinds:
/// - **daytime at night**: a record that is perfectly normal at noon (all six metrics at noon's load, their
///   correlations intact), at 1 am. Only the time of day tells it apart.
/// - **broken correlation** (the demo's): high latency at low load, p95 of 120 ms with night-time traffic.
struct DailyCycleStream {
    /// CSV text with header `ts,requests_s,cpu_pct,mem_pct,p95_ms,error_pct,queue_depth,label`; `ts` is ISO 8601.
    var csv: String
    /// Per record: 0 normal, 1 daytime at night, 2 broken correlation.
    var kinds: [Int]
    /// Records of the normal days at the start.
    var normalRecords: Int

    /// Records per day (one every 5 minutes).
    static let perDay = 288

    init(normalDays: Int = 7, scoredDays: Int = 3, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var text = "ts,requests_s,cpu_pct,mem_pct,p95_ms,error_pct,queue_depth,label\n"
        var kinds: [Int] = []
        var nightRecord = 0
        for index in 0..<((normalDays + scoredDays) * Self.perDay) {
            let minutes = index * 5
            let (day, minute) = minutes.quotientAndRemainder(dividingBy: 1440)
            let hour = Double(minute) / 60
            // The daily cycle: 0.1 at midnight, 1.0 at noon.
            var load = 0.55 + 0.45 * sin(2 * Double.pi * (hour / 24 - 0.25))
            var kind = 0
            if index >= normalDays * Self.perDay, hour >= 23 || hour < 3 {
                nightRecord += 1
                if nightRecord % 3 == 0 { kind = nightRecord % 6 == 0 ? 2 : 1 }
            }
            if kind == 1 { load = 0.9 + 0.1 * rng.unit() }  // noon's load, at night
            let requests = 400 + 1600 * load * (1 + 0.05 * rng.normal())
            let cpu = 8 + 0.035 * requests + 2 * rng.normal()
            let memory = 52 + 0.002 * requests + rng.normal()
            var p95 = 48 + 0.025 * requests + 5 * rng.normal()
            let errors = 0.2 + 0.0001 * requests + 0.05 * abs(rng.normal())
            let queue = max(0, 2 + 0.01 * requests + 3 * rng.normal())
            if kind == 2 { p95 = 120 + 4 * rng.normal() }
            let values = [requests, cpu, memory, p95, errors, queue].map { String(Float($0)) }
            text += Self.timestamp(day: day, minute: minute) + "," + values.joined(separator: ",") + ",\(kind)\n"
            kinds.append(kind)
        }
        csv = text
        self.kinds = kinds
        normalRecords = normalDays * Self.perDay
    }

    /// `2030-01-07T00:05:00Z` for `minute` of day `day` counted from Monday 2030-01-07 (days stay within January).
    static func timestamp(day: Int, minute: Int) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "2030-01-\(two(7 + day))T\(two(minute / 60)):\(two(minute % 60)):00Z"
    }
}
