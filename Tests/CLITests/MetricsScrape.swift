import TestSupport
import Testing

/// One scrape of a daemon's `/metrics` with curl, a real HTTP client, parsed into samples.
struct MetricsScrape {
    /// A sample: `name{labels} value`.
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// The body, in the Prometheus text format.
    let text: String
    /// Every sample line of it.
    let samples: [Sample]

    /// Scrapes `url`; fails the test when curl fails or the answer is not 200.
    init(_ url: String) throws {
        let curl = try ExternalTool.require("curl", package: "curl")
        let run = try SpawnedProcess.run([curl, "-sS", "--fail", "--max-time", "5", url])
        try #require(run.status == 0, "curl \(url): \(run.stderr)")
        self.init(text: run.stdout)
    }

    /// Parses `text`.
    init(text: String) {
        self.text = text
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " ") else { return nil }
            let series = line[..<space]
            guard let value = Double(line[line.index(after: space)...]) else { return nil }
            guard let brace = series.firstIndex(of: "{") else {
                return Sample(name: String(series), labels: [:], value: value)
            }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)...].dropLast().split(separator: "\",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].drop { $0 == "\"" }.prefix { $0 != "\"" })
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    /// The value of the sample called `name` whose labels include `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }?.value
    }

    /// `value(name, labels)` as a whole number, -1 when missing.
    func count(_ name: String, _ labels: [String: String] = [:]) -> Int { value(name, labels).map { Int($0) } ?? -1 }

    /// What `promtool check metrics` says of the text: its exit status and output.
    func promtool() throws -> (status: Int32?, output: String) {
        let promtool = try ExternalTool.require("promtool", package: "prometheus")
        let run = try SpawnedProcess.run([promtool, "check", "metrics"], input: text)
        return (run.status, run.stdout + run.stderr)
    }

    /// The `/metrics` URL `daemon` logged ("serving metrics" with `metrics.url=`), waiting up to `timeout`.
    static func url(of daemon: DaemonProcess, within timeout: Duration = .seconds(10)) throws -> String {
        let line = try #require(
            daemon.waitForLine(.stderr, within: timeout) { $0.contains("serving metrics") },
            "no \"serving metrics\" line:\n\(daemon.errorText)")
        let field = try #require(line.text.split(separator: " ").first { $0.hasPrefix("metrics.url=") }, "\(line.text)")
        return String(field.dropFirst("metrics.url=".count))
    }
}
