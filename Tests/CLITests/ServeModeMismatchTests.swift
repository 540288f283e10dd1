import TestSupport
import Testing

/// Issue 19, item 1 (RELIABILITY U1): a table set up for one source mode and served in the other is refused at
/// start with exit 78, a message that names both modes, and the two commands that fix it.
@Suite("vaewatch serve (PostgreSQL): a table set up for the other source mode")
struct ServeModeMismatchTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let setUp: String
        let served: String
        let consequence: String
        var testDescription: String { "set up for \(setUp), served in \(served)" }
    }

    @Test(
        "serve exits 78 naming both modes and the fix; served in the mode it was set up for, it scores",
        arguments: [
            Case(setUp: "watermark", served: "queue", consequence: "no new row would ever be queued for scoring"),
            Case(setUp: "queue", served: "watermark", consequence: "every insert would queue a key that nothing takes"),
        ])
    func mismatchRefused(_ mismatch: Case) throws {
        let directory = try TestDirectory("mode-mismatch")
        defer { directory.remove() }
        let database = try ServeDatabase(in: directory, mode: mismatch.setUp)
        try database.insert(from: 1, count: 50)
        let wrong = try ServeFixture("mode-wrong", settings: try database.settings([("source.mode", mismatch.served)]))
        defer { wrong.remove() }
        let daemon = try wrong.start()
        defer { _ = daemon.kill() }
        #expect(eventually(within: .seconds(15)) { daemon.termination != nil }, "\(daemon.errorText)")
        #expect(daemon.termination?.status == 78, "\(daemon.errorText)")
        let expected = [
            "public.metrics is set up for \(mismatch.setUp) mode (init-db set source public.metrics up for "
                + "\(mismatch.setUp) mode), but this daemon runs in \(mismatch.served) mode: \(mismatch.consequence)",
            "Set source.mode: \(mismatch.setUp)",
            "vaewatch init-db --source public.metrics --key id --mode \(mismatch.served)",
        ]
        for text in expected { #expect(daemon.errorText.contains(text), "\(daemon.errorText)") }

        let right = try ServeFixture("mode-right", settings: try database.settings([("source.mode", mismatch.setUp)]))
        defer { right.remove() }
        let served = try right.start()
        defer { _ = served.kill() }
        try right.awaitReady(served, within: .seconds(15))
        try database.insert(from: 51, count: 50)
        #expect(eventually(within: .seconds(20)) { (try? database.scored()) ?? 0 >= 50 }, "\(served.errorText)")
    }
}
