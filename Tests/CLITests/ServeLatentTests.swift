import TestSupport
import Testing

/// Issue 19, item 12 (point 4): `sink.latent: true` stores each verdict's latent mean in `vaewatch.scores.latent`;
/// a schema without the column stops the start with exit 78 and the command that adds it.
@Suite("vaewatch serve (PostgreSQL): sink.latent")
struct ServeLatentTests {
    @Test("without 005's column the start exits 78 naming init-db; with it every verdict has its μ; off, none")
    func latentStored() throws {
        let directory = try TestDirectory("serve-latent")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory)
        try database.insert(from: 1, count: 200)
        let query = "SELECT count(*) FILTER (WHERE array_length(latent, 1) = 8), count(*) FROM vaewatch.scores"

        try database.cluster.psql(
            "ALTER TABLE vaewatch.scores RENAME COLUMN latent TO hidden_latent", database: database.name)
        let missing = try ServeFixture("latent-missing", settings: try database.settings([("sink.latent", "true")]))
        defer { missing.remove() }
        let refused = try missing.start()
        defer { _ = refused.kill() }
        #expect(eventually(within: .seconds(15)) { refused.termination != nil }, "\(refused.errorText)")
        #expect(refused.termination?.status == 78, "\(refused.errorText)")
        #expect(
            refused.errorText.contains("has no column latent: run `vaewatch init-db` to apply 005_latent.sql"),
            "\(refused.errorText)")
        #expect(try database.scored() == 0)
        try database.cluster.psql(
            "ALTER TABLE vaewatch.scores RENAME COLUMN hidden_latent TO latent", database: database.name)

        let storing = try ServeFixture("latent-on", settings: try database.settings([("sink.latent", "true")]))
        defer { storing.remove() }
        let daemon = try storing.start()
        defer { _ = daemon.kill() }
        try storing.awaitReady(daemon, within: .seconds(15))
        #expect(eventually(within: .seconds(20)) { (try? database.scored()) == 200 }, "\(daemon.errorText)")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        #expect(try database.cluster.psql(query, database: database.name) == "200|200", "one μ of 8 units per verdict")
        let distinct = try database.cluster.psql(
            "SELECT count(DISTINCT latent) FROM vaewatch.scores", database: database.name)
        #expect(Int(distinct) ?? 0 > 190, "each record has its own μ: \(distinct) distinct")

        let plain = try ServeFixture("latent-off", settings: try database.settings())
        defer { plain.remove() }
        let off = try plain.start()
        defer { _ = off.kill() }
        try plain.awaitReady(off, within: .seconds(15))
        try database.insert(from: 201, count: 100)
        #expect(eventually(within: .seconds(20)) { (try? database.scored()) == 300 }, "\(off.errorText)")
        #expect(off.stop()?.status == 0, "\(off.errorText)")
        #expect(try database.cluster.psql(query, database: database.name) == "200|300", "off by default: NULL")
    }
}
