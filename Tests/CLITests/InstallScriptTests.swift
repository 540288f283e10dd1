import Glibc
import TestSupport
import Testing

/// `scripts/install`, staged under a temporary `--dest-dir` with the built `vaewatch` (no build, no root, no
/// systemd).
@Suite("scripts/install: staged install of the binary, the unit and the configuration")
struct InstallScriptTests {
    /// `scripts/install` in this checkout.
    static var script: String { repositoryRoot() + "/scripts/install" }

    /// Runs `scripts/install` with `arguments`, with `PREFIX`/`DESTDIR` cleared, a `systemctl` on `PATH` that
    /// only records its calls in `<fake>/systemctl.calls`, and `extra` environment variables.
    static func install(_ arguments: [String], fake: TestDirectory, extra: [String] = []) throws -> SpawnResult {
        let recorder = "#!/bin/sh\necho \"$@\" >> \(fake.file("systemctl.calls"))\n"
        try fake.write(Array(recorder.utf8), to: "systemctl")
        chmod(fake.file("systemctl"), 0o755)
        let path = "PATH=\(fake.path):" + (getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin")
        let environment = SpawnedProcess.environment(
            removingPrefixes: ["PATH", "PREFIX", "DESTDIR"], adding: [path] + extra)
        return try SpawnedProcess.run([script] + arguments, environment: environment)
    }

    /// The permission bits of `path`.
    static func mode(_ path: String) throws -> mode_t {
        var info = stat()
        try #require(stat(path, &info) == 0, "stat \(path): errno \(errno)")
        return info.st_mode & 0o7777
    }

    @Test("installs the binary (0755), the unit, the README, the example configuration and an empty pgpass (0600)")
    func stagedInstall() throws {
        let stage = try TestDirectory("install")
        let fake = try TestDirectory("install-bin")
        defer {
            stage.remove()
            fake.remove()
        }
        let result = try Self.install(
            ["--dest-dir", stage.path, "--skip-build", "--binary", Child.executable], fake: fake)
        try #require(result.succeeded, "\(result.ending)\n\(result.stdout)\n\(result.stderr)")
        let root = repositoryRoot()
        let binary = stage.file("usr/local/bin/vaewatch")
        #expect(try Self.mode(binary) == 0o755)
        #expect(try readFile(binary) == (try readFile(Child.executable)), "the installed binary differs")
        #expect(
            try readFile(stage.file("etc/systemd/system/vaewatch.service"))
                == (try readFile(root + "/systemd/vaewatch.service")))
        #expect(try Self.mode(stage.file("etc/systemd/system/vaewatch.service")) == 0o644)
        #expect(
            try readFile(stage.file("usr/local/share/doc/vaewatch/README.md")) == (try readFile(root + "/README.md")))
        #expect(try readFile(stage.file("etc/vaewatch/pgpass")).isEmpty)
        #expect(try Self.mode(stage.file("etc/vaewatch/pgpass")) == 0o600)
        let example = try readFile(root + "/systemd/vaewatch.yaml")
        #expect(try readFile(stage.file("etc/vaewatch/vaewatch.yaml")) == example)
        #expect(try Self.mode(stage.file("etc/vaewatch/vaewatch.yaml")) == 0o644)
        for step in [
            "vaewatch init-db", "systemctl daemon-reload && systemctl enable --now vaewatch",
            "journalctl -u vaewatch -f", "/etc/vaewatch/pgpass",
        ] {
            #expect(result.stdout.contains(step), "next steps lack \(step)")
        }
        #expect(stage.entries("usr/local/bin") == ["vaewatch"], "a staging file was left beside the binary")
        #expect(access(fake.file("systemctl.calls"), F_OK) != 0, "systemctl was called during a staged install")
    }

    @Test("a second run keeps an edited configuration and pgpass, and puts the new example beside them")
    func keepsConfiguration() throws {
        let stage = try TestDirectory("install")
        let fake = try TestDirectory("install-bin")
        defer {
            stage.remove()
            fake.remove()
        }
        let arguments = ["--dest-dir", stage.path, "--skip-build", "--binary", Child.executable]
        try #require(try Self.install(arguments, fake: fake).succeeded)
        let edited = Array("# edited by the operator\n".utf8)
        try stage.write(edited, to: "etc/vaewatch/vaewatch.yaml")
        let password = Array("localhost:5432:metrics:vaewatch:secret\n".utf8)
        try stage.write(password, to: "etc/vaewatch/pgpass")
        chmod(stage.file("etc/vaewatch/pgpass"), 0o600)
        let again = try Self.install(arguments, fake: fake)
        #expect(again.succeeded, "\(again.ending)\n\(again.stderr)")
        #expect(try stage.contents(of: "etc/vaewatch/vaewatch.yaml") == edited, "the configuration was overwritten")
        #expect(try stage.contents(of: "etc/vaewatch/pgpass") == password, "the password file was overwritten")
        #expect(
            try stage.contents(of: "etc/vaewatch/vaewatch.yaml.example")
                == (try readFile(repositoryRoot() + "/systemd/vaewatch.yaml")))
        #expect(again.stdout.contains("vaewatch.yaml kept"))
    }

    @Test("PREFIX moves the binary and rewrites ExecStart=; --dry-run changes nothing; a bad prefix is refused")
    func prefixAndDryRun() throws {
        let stage = try TestDirectory("install")
        let fake = try TestDirectory("install-bin")
        defer {
            stage.remove()
            fake.remove()
        }
        let staged = try Self.install(
            ["--dest-dir", stage.path, "--binary", Child.executable], fake: fake, extra: ["PREFIX=/opt/vaewatch"])
        try #require(staged.succeeded, "\(staged.ending)\n\(staged.stderr)")
        #expect(try Self.mode(stage.file("opt/vaewatch/bin/vaewatch")) == 0o755)
        let unit = try ExternalTool.text(of: stage.file("etc/systemd/system/vaewatch.service"))
        #expect(unit.contains("\nExecStart=/opt/vaewatch/bin/vaewatch serve --config "))
        #expect(unit.contains("\nDocumentation=file:/opt/vaewatch/share/doc/vaewatch/README.md\n"))
        #expect(
            !unit.contains("=/usr/local/") && !unit.contains("file:/usr/local/"), "a setting still names /usr/local")

        let dry = try TestDirectory("install-dry")
        defer { dry.remove() }
        let planned = try Self.install(["--dest-dir", dry.path, "--dry-run"], fake: fake)
        #expect(planned.succeeded, "\(planned.ending)\n\(planned.stderr)")
        #expect(planned.stdout.contains("would run: swift build -c release --product vaewatch"))
        #expect(dry.entries().isEmpty, "--dry-run wrote \(dry.entries())")

        let refused = try Self.install(
            ["--dest-dir", dry.path, "--prefix", "/opt/my vaewatch", "--dry-run"], fake: fake)
        #expect(refused.status == 1 && refused.stderr.contains("--prefix must be an absolute path"))
        #expect(access(fake.file("systemctl.calls"), F_OK) != 0, "systemctl was called")
    }
}
