import Foundation
import TestSupport
import Testing

/// Issue 19, item 12 (point 3): the JSON-lines verdict carries the record's latent mean μ; CSV output keeps its
/// columns.
@Suite("vaewatch score: the latent mean in JSON lines")
struct LatentOutputTests {
    @Test("every JSON-lines verdict carries μ, one finite number per latent unit; CSV output is unchanged")
    func latentInJSONLines() throws {
        let directory = try TestDirectory("cli-latent")
        defer { directory.remove() }
        let model = directory.file("m.vaew")
        let stream = SyntheticStream(rows: 600, seed: 6)
        let trained = try vaewatch(
            ["train", "--out", model, "--ignore", "label", "--epochs", "3", "--latent", "3"],
            input: Array(stream.csv.utf8), in: directory)
        try #require(trained.status == 0, "\(trained.stderr)")

        let json = try vaewatch(
            ["score", "--model", model, "--output", "jsonl"], input: Array(stream.csv.utf8), in: directory)
        try #require(json.status == 0, "\(json.stderr)")
        #expect(json.lines.count == 600)
        var units: Set<Int> = []
        var spread: [Set<Double>] = [[], [], []]
        for line in json.lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let verdict = try #require(object?["vaewatch"] as? [String: Any], "\(line)")
            let latent = try #require(verdict["latent"] as? [Double], "no latent array in \(line)")
            units.insert(latent.count)
            for (unit, value) in latent.enumerated() where unit < 3 {
                #expect(value.isFinite)
                spread[unit].insert(value)
            }
        }
        #expect(units == [3], "one number per latent unit")
        #expect(spread.allSatisfy { $0.count > 500 }, "each record has its own place on the map")

        let csv = try vaewatch(["score", "--model", model], input: Array(stream.csv.utf8), in: directory)
        try #require(csv.status == 0, "\(csv.stderr)")
        #expect(csv.lines.first == "x0,x1,x2,x3,x4,x5,x6,x7,label,score,recon,kl,threshold,anomaly")
        #expect(!csv.stdout.contains("latent"))
        #expect(csv.lines.dropFirst().allSatisfy { $0.split(separator: ",").count == 9 + 5 })
    }
}
