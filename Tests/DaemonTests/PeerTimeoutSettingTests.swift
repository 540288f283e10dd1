import Daemon
import PostgresStore
import TestSupport
import Testing

/// `database.peer_timeout`: one duration for both ends of every connection the daemon opens, range-checked.
@Suite("Settings: database.peer_timeout")
struct PeerTimeoutSettingTests {
    @Test("30 s by default; the value reaches the connection settings of the daemon's connections")
    func reachesConnections() throws {
        let defaults = try Settings.load(file: nil, environment: [:], overrides: ["source.table=public.metrics"])
        #expect(defaults.peerTimeoutSeconds == 30)
        #expect(defaults.connectionSettings().peerTimeout == .seconds(30))
        let file = try SettingsFile("source:\n  table: public.metrics\ndatabase:\n  peer_timeout: 4.5\n")
        defer { file.remove() }
        let configuration = try file.load()
        #expect(configuration.connectionSettings().peerTimeout == .milliseconds(4500))
        #expect(
            configuration.connectionSettings(applicationName: "vaewatch-trainer").peerTimeout == .milliseconds(4500))
        #expect(
            configuration.connectionSettings(applicationName: "vaewatch-trainer").applicationName == "vaewatch-trainer")
        #expect(Settings.named("database.peer_timeout")?.reloadable == false, "connections are opened with it")
    }

    @Test("below 2 s or above an hour is refused, with the range")
    func rangeChecked() throws {
        for (value, problem) in [("1", "1 is below the minimum 2"), ("3601", "3601 is above the maximum 3600")] {
            let file = try SettingsFile("source:\n  table: public.metrics\ndatabase:\n  peer_timeout: \(value)\n")
            defer { file.remove() }
            let problems = file.problems()
            #expect(problems.count == 1)
            #expect(
                problems.first?.hasPrefix("vaewatch.yaml:4:3: database.peer_timeout: \(problem) (") == true,
                "\(problems)")
            #expect(problems.first?.hasSuffix(", 2…3600)") == true, "\(problems)")
        }
    }
}
