import Foundation
import TestSupport
import Testing

/// Issue 22, item 4: `docs/grafana/vaewatch.json` queries only what `/metrics` serves, every query parses as PromQL,
/// and the README's "Metrics" section lists the same metrics and panels.
@Suite("docs/grafana/vaewatch.json and the README's Metrics section")
struct DashboardTests {
    /// The dashboard's panels: title and query expressions.
    static func panels() throws -> [(title: String, queries: [String])] {
        let data = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot() + "/docs/grafana/vaewatch.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        return panels.map { panel in
            let targets = panel["targets"] as? [[String: Any]] ?? []
            return (panel["title"] as? String ?? "", targets.compactMap { $0["expr"] as? String })
        }
    }

    /// The `vaewatch_…` metric families `text` names (a histogram's `_bucket`, `_sum` and `_count` as the family).
    static func families(in text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(text)
        while let start = rest.range(of: "vaewatch_") {
            let name = rest[start.lowerBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            var family = String(name)
            for suffix in ["_bucket", "_sum", "_count"] where family.hasSuffix(suffix) {
                family = String(family.dropLast(suffix.count))
            }
            names.insert(family)
            rest = rest[name.endIndex...]
        }
        return names
    }

    @Test(
        "the dashboard's queries parse (promtool check rules) and name only metrics a daemon serves; the README lists them"
    )
    func dashboardMatchesMetrics() throws {
        let panels = try Self.panels()
        #expect(panels.count >= 8 && panels.allSatisfy { !$0.queries.isEmpty }, "\(panels.map(\.title))")
        // A daemon's scrape: every family it serves.
        let fixture = try ServeFixture.stdin("dashboard", settings: [("metrics.listen", "127.0.0.1:0")])
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        let served = Self.families(in: try MetricsScrape(try MetricsScrape.url(of: daemon)).text)
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let queried = Self.families(in: panels.flatMap(\.queries).joined(separator: "\n"))
        #expect(queried.isSubset(of: served), "queried but not served: \(queried.subtracting(served).sorted())")
        #expect(served.count >= 13, "\(served.sorted())")

        // Every query, with Grafana's variables filled in, as a recording rule for promtool to parse.
        var rules = "groups:\n  - name: dashboard\n    rules:\n"
        for (index, query) in panels.flatMap(\.queries).enumerated() {
            let expression = query.replacing("$__rate_interval", with: "5m").replacing("$source", with: ".*")
            rules +=
                "      - record: dashboard:query_\(index)\n        expr: '\(expression.replacing("'", with: "''"))'\n"
        }
        let directory = try TestDirectory("dashboard")
        defer { directory.remove() }
        try directory.write(Array(rules.utf8), to: "rules.yaml")
        let promtool = try ExternalTool.require("promtool", package: "prometheus")
        let checked = try SpawnedProcess.run([promtool, "check", "rules", directory.file("rules.yaml")])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)\n\(rules)")

        // The README's Metrics section lists every family served and every panel by its title.
        let readme = try ExternalTool.text(of: repositoryRoot() + "/README.md")
        let start = try #require(readme.range(of: "\n## Metrics\n"))
        let end = readme[start.upperBound...].range(of: "\n## ")?.lowerBound ?? readme.endIndex
        let section = String(readme[start.upperBound..<end])
        #expect(
            Self.families(in: section) == served,
            "README vs served: \(Self.families(in: section).symmetricDifference(served).sorted())")
        for panel in panels {
            #expect(section.contains("| \(panel.title) |"), "the README does not explain panel \"\(panel.title)\"")
        }
    }
}
