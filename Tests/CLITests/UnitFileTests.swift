import Glibc
import TestSupport
import Testing

/// Row S11 of RELIABILITY.md: the unit file `systemd/vaewatch.service` lints clean and is hardened.
@Suite("systemd/vaewatch.service: verify, security, comments (RELIABILITY.md S11)")
struct UnitFileTests {
    /// The unit file as the repository holds it.
    static var unitPath: String { repositoryRoot() + "/systemd/vaewatch.service" }

    /// The ExecStart= binary of the unit as committed; replaced by the built binary before `verify` runs.
    static let installedBinary = "/usr/local/bin/vaewatch"

    /// Copies the unit into `directory` as `vaewatch.service`, with ExecStart= pointing at the built `vaewatch`
    /// (verify refuses a command that is not executable, L2); returns the copy's path.
    static func unitForVerify(in directory: TestDirectory) throws -> String {
        let text = try ExternalTool.text(of: unitPath)
        let execStart = "ExecStart=" + installedBinary + " "
        try #require(text.contains("\n" + execStart), "the unit should start \(installedBinary)")
        let rewritten = text.replacing("\n" + execStart, with: "\nExecStart=" + Child.executable + " ")
        try directory.write(Array(rewritten.utf8), to: "vaewatch.service")
        return directory.file("vaewatch.service")
    }

    /// The overall exposure that `systemd-analyze security` prints on its last line
    /// (`→ Overall exposure level for vaewatch.service: 1.1 OK 🙂`), or nil.
    static func exposure(in output: String) -> Double? {
        guard let line = output.split(separator: "\n").last(where: { $0.contains("Overall exposure level") }),
            let colon = line.lastIndex(of: ":")
        else { return nil }
        return line[line.index(after: colon)...].split(separator: " ").first.flatMap { Double($0) }
    }

    @Test("systemd-analyze verify exits 0 with nothing on stderr (L2: warnings exit 0 too)")
    func verify() throws {
        let analyze = try ExternalTool.require("systemd-analyze", package: "systemd")
        let directory = try TestDirectory("unit")
        defer { directory.remove() }
        let unit = try Self.unitForVerify(in: directory)
        let result = try SpawnedProcess.run([analyze, "verify", unit])
        print("S11 verify: \(result.ending), stderr \(result.stderr.utf8.count) bytes")
        #expect(result.status == 0, "verify: \(result.ending)\n\(result.stderr)")
        #expect(result.stderr.isEmpty, "verify wrote to stderr:\n\(result.stderr)")
    }

    @Test("systemd-analyze security --offline=yes --threshold=20 passes: exposure ≤ 2.0")
    func security() throws {
        let analyze = try ExternalTool.require("systemd-analyze", package: "systemd")
        let directory = try TestDirectory("unit")
        defer { directory.remove() }
        let unit = try Self.unitForVerify(in: directory)
        let result = try SpawnedProcess.run([analyze, "security", "--offline=yes", "--threshold=20", unit])
        let exposure = try #require(Self.exposure(in: result.stdout), "no exposure line in:\n\(result.stdout)")
        print("S11 security: exposure \(exposure), \(result.ending)")
        #expect(result.status == 0, "security: \(result.ending)\n\(result.stdout)\n\(result.stderr)")
        #expect(exposure <= 2.0)
    }

    @Test("the gates can fail: an unknown key is a warning on stderr, a bare unit exceeds the threshold")
    func gatesCanFail() throws {
        let analyze = try ExternalTool.require("systemd-analyze", package: "systemd")
        let directory = try TestDirectory("unit")
        defer { directory.remove() }
        let text = try ExternalTool.text(of: try Self.unitForVerify(in: directory))
        try directory.write(
            Array(text.replacing("[Service]\n", with: "[Service]\nFooBar=yes\n").utf8), to: "unknown.service")
        let unknown = try SpawnedProcess.run([analyze, "verify", directory.file("unknown.service")])
        #expect(unknown.status == 0 && unknown.stderr.contains("Unknown key"), "\(unknown.ending): \(unknown.stderr)")
        try directory.write(
            Array("[Service]\nExecStart=\(Child.executable) serve\n".utf8), to: "bare.service")
        let bare = try SpawnedProcess.run(
            [analyze, "security", "--offline=yes", "--threshold=20", directory.file("bare.service")])
        let exposure = Self.exposure(in: bare.stdout)
        print("S11 control: bare unit exposure \(exposure.map { "\($0)" } ?? "none"), \(bare.ending)")
        #expect(bare.status != 0 && (exposure ?? 0) > 2.0, "\(bare.ending): \(bare.stdout)")
    }

    @Test("the unit has the settings the daemon relies on, and a bad configuration (78) does not restart it")
    func settings() throws {
        let settings = Set(try Self.directives().map(\.text))
        for expected in [
            "Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec=30s", "Restart=on-failure",
            "RestartPreventExitStatus=78", "TimeoutStopSec=30s", "DynamicUser=yes", "StateDirectory=vaewatch",
            "RuntimeDirectory=vaewatch", "ConfigurationDirectory=vaewatch",
            "LoadCredential=pgpass:/etc/vaewatch/pgpass", "Environment=PGPASSFILE=%d/pgpass",
            "After=network-online.target postgresql.service", "Wants=network-online.target",
            "ExecStart=\(Self.installedBinary) serve --config ${CONFIGURATION_DIRECTORY}/vaewatch.yaml",
        ] {
            #expect(settings.contains(expected), "missing \(expected)")
        }
    }

    @Test("every setting and section header is preceded by a comment line")
    func everyLineCommented() throws {
        let lines = try ExternalTool.text(of: Self.unitPath).split(separator: "\n", omittingEmptySubsequences: false)
        let directives = try Self.directives()
        #expect(directives.count >= 40, "only \(directives.count) settings found")
        let uncommented = directives.filter { !lines[$0.index - 1].hasPrefix("#") }
        #expect(uncommented.isEmpty, "no comment above: \(uncommented.map { "line \($0.index + 1): \($0.text)" })")
    }

    /// The unit's non-blank, non-comment lines with their 0-based line indices; the first line must be a comment.
    static func directives() throws -> [(index: Int, text: String)] {
        let lines = try ExternalTool.text(of: unitPath).split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.first?.hasPrefix("#") == true, "the unit should open with a comment")
        return lines.enumerated().compactMap { index, line in
            let trimmed = line.drop { $0 == " " }
            return trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";")
                ? nil : (index, String(line))
        }
    }

    @Test("the unit and the example configuration show metrics.listen on 127.0.0.1, which IPAddressAllow lets through")
    func metricsOnLoopback() throws {
        let unit = try ExternalTool.text(of: Self.unitPath)
        let lines = unit.split(separator: "\n")
        #expect(lines.contains("IPAddressAllow=localhost") && lines.contains("IPAddressDeny=any"))
        #expect(unit.contains("metrics.listen 127.0.0.1:9751"), "the unit's comment names the address")
        let example = try ExternalTool.text(of: repositoryRoot() + "/systemd/vaewatch.yaml")
        #expect(
            example.contains("\nmetrics:\n  listen: \"\"  ") && example.contains("# off; 127.0.0.1:9751 serves"),
            "off by default, shown on 127.0.0.1")
    }
}
