import Glibc
import TestSupport
import Testing

/// The README says what the binary and the scripts do: its settings table is the binary's, and every command and
/// flag it shows exists.
@Suite("README")
struct ReadmeTests {
    /// README.md's text.
    static func readme() throws -> String { try ReadmeText.load().text }

    @Test("the settings table in the README is the one `check-config --markdown` prints")
    func settingsTableIsCurrent() throws {
        let directory = try TestDirectory()
        let result = try vaewatch(["check-config", "--markdown"], in: directory)
        #expect(result.status == 0)
        let table = result.stdout.trimmingTrailingNewlines()
        #expect(table.split(separator: "\n").count > 30)
        #expect(try Self.readme().contains(table), "regenerate the table with `vaewatch check-config --markdown`")
    }

    @Test("every vaewatch command and flag, and every script and its flags, that the README shows exist")
    func everyCommandAndFlagExists() throws {
        let directory = try TestDirectory()
        let commands = try ReadmeText.load().commands
        let subcommands = Set(commands.filter { $0[0] == "vaewatch" && $0.count > 1 }.map { $0[1] })
        // The README shows them all, at least once each.
        for expected in [
            "score", "train", "inspect", "sample", "report", "init-db", "backfill", "models", "serve",
            "check-config", "status", "retrain",
        ] {
            #expect(subcommands.contains(expected), "the README never shows vaewatch \(expected)")
        }
        var help: [String: String] = [:]
        var checked = 0
        for words in commands {
            let program = words[0]
            let key: String
            if program == "vaewatch" {
                key = words.count > 1 && !words[1].hasPrefix("-") ? words[1] : ""
            } else {
                key = program
                #expect(
                    access(repositoryRoot() + "/" + program, X_OK) == 0,
                    "the README shows \(program), which is not an executable script")
                // scripts/test passes its arguments to `swift test`.
                if program == "scripts/test" { continue }
            }
            if help[key] == nil {
                if program == "vaewatch" {
                    let result = try vaewatch((key.isEmpty ? [] : [key]) + ["--help"], in: directory)
                    #expect(result.status == 0, "vaewatch \(key) --help: \(result.stderr)")
                    help[key] = result.stdout
                } else {
                    let result = try SpawnedProcess.run([repositoryRoot() + "/" + program, "--help"])
                    #expect(result.status == 0, "\(program) --help: \(result.ending)")
                    help[key] = result.stdout + result.stderr
                }
            }
            // scripts/eval passes what follows `--` on to `vaewatch train`.
            let passedOn = program == "scripts/eval" ? (words.firstIndex(of: "--") ?? words.endIndex) : words.endIndex
            if passedOn < words.endIndex, help["train"] == nil {
                let result = try vaewatch(["train", "--help"], in: directory)
                help["train"] = result.stdout
            }
            // --help was run above; `-` is standard input.
            for (index, word) in words.enumerated().dropFirst()
            where word.hasPrefix("-") && !["-", "--", "--help"].contains(word) {
                let (reader, text) =
                    index > passedOn ? ("vaewatch train", help["train"]) : ("\(program) \(key)", help[key])
                let flag = String(word.prefix { $0 != "=" })
                let listed = [" ", ",", "\n", "]", "=", " <"].contains { (text ?? "").contains(flag + $0) }
                #expect(listed, "the README shows `\(words.joined(separator: " "))`; \(reader) has no \(flag)")
                checked += 1
            }
        }
        print("README: \(commands.count) command lines, \(checked) flags checked against --help")
        #expect(checked > 30, "the README parser found too few flags to check")
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
