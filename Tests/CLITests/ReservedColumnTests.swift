import TestSupport
import Testing

/// CSV columns named `line` or `vaewatch` (issue 17, item 6): JSON-lines output never holds a key twice. A column
/// that would be written under a name the output uses for itself is refused with the reason, as a `vaewatch` key
/// of JSON input is; given --key or --ignore, the output is valid and `vaewatch report` reads it.
@Suite("vaewatch score: input columns named like the keys of its JSON output")
struct ReservedColumnTests {
    /// The keys of the top-level object on `line`, in order, read without a JSON library (which would keep one
    /// of two equal keys silently).
    static func topLevelKeys(_ line: Substring) -> [String] {
        var keys: [String] = []
        var depth = 0
        var inString = false
        var escaped = false
        var current = ""
        var lastString: String?
        for character in line {
            if inString {
                if escaped {
                    escaped = false
                    current.append(character)
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                    lastString = current
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case "\"":
                inString = true
                current = ""
            case "{", "[": depth += 1
            case "}", "]": depth -= 1
            case ":" where depth == 1:
                if let lastString { keys.append(lastString) }
            default: break
            }
            if character != "\"" && character != ":" { lastString = nil }
        }
        return keys
    }

    /// 300 records with columns `line`, `vaewatch`, `a`, `b`.
    static let input: [UInt8] = {
        var text = "line,vaewatch,a,b\n"
        for index in 0..<300 { text += "\(index % 7),\(Double(index % 5) / 2),\(index % 3),\(index % 11)\n" }
        return Array(text.utf8)
    }()

    @Test("CSV in, JSON lines out: columns line and vaewatch as features are refused with the reason (exit 65)")
    func reservedColumnsAreRefused() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let result = try vaewatch(["score", "--output", "jsonl"], input: Self.input, in: directory)
        let duplicated = result.lines.filter { Set(Self.topLevelKeys($0)).count != Self.topLevelKeys($0).count }
        #expect(duplicated.isEmpty, "\(duplicated.count) lines hold a key twice, e.g. \(duplicated.first ?? "")")
        #expect(result.status == 65, "\(result.stderr)")
        #expect(
            result.stderr.contains(
                "<stdin>:1: header field 1 (line): JSON-lines output writes the line number under this name"),
            "\(result.stderr)")
        #expect(
            result.stderr.contains("<stdin>:1: header field 2 (vaewatch): the key is reserved for vaewatch's verdict"),
            "\(result.stderr)")
        // CSV output holds no such key, so the same input scores.
        let csv = try vaewatch(["score"], input: Self.input, in: directory)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.lines.count == 301)
    }

    @Test("with --key line --ignore vaewatch every key appears once, and report reads the output")
    func keyAndIgnoreGiveUniqueKeys() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let result = try vaewatch(
            ["score", "--output", "jsonl", "--key", "line", "--ignore", "vaewatch"], input: Self.input, in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 300)
        for line in result.lines {
            let keys = Self.topLevelKeys(line)
            #expect(keys == ["line", "a", "b", "vaewatch"], "\(line)")
        }
        try directory.write(Array(result.stdout.utf8), to: "scored.jsonl")
        let report = try vaewatch(
            ["report", "--input", directory.file("scored.jsonl"), "--out", directory.file("r.svg")], in: directory)
        #expect(report.status == 0, "\(report.stderr)")
    }
}
