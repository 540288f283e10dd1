import Testing
import TestSupport

/// README's "Run as a service" says what the binary does.
@Suite("README service section")
struct ReadmeServiceTests {
    /// README.md's text.
    static func readme() throws -> String {
        let path = String(#filePath.prefix(upTo: #filePath.firstRange(of: "/Tests/")!.lowerBound)) + "/README.md"
        return String(decoding: try readFile(path), as: UTF8.self)
    }

    @Test("the settings table in the README is the one `check-config --markdown` prints")
    func settingsTableIsCurrent() throws {
        let directory = try TestDirectory()
        let result = try vaewatch(["check-config", "--markdown"], in: directory)
        #expect(result.status == 0)
        let table = result.stdout.trimmingTrailingNewlines()
        #expect(table.split(separator: "\n").count > 30)
        #expect(try Self.readme().contains(table), "regenerate the table with `vaewatch check-config --markdown`")
    }

    @Test("every vaewatch subcommand the section shows exists and has help")
    func commandsExist() throws {
        let directory = try TestDirectory()
        for command in ["serve", "check-config", "status", "retrain", "init-db"] {
            #expect(try Self.readme().contains("vaewatch \(command)"))
            let result = try vaewatch([command, "--help"], in: directory)
            #expect(result.status == 0, "vaewatch \(command) --help")
        }
    }
}

extension String {
    /// The string without trailing newlines.
    fileprivate func trimmingTrailingNewlines() -> String {
        var result = self
        while result.last == "\n" { result.removeLast() }
        return result
    }
}
