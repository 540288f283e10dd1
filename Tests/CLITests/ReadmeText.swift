import TestSupport

/// README.md read the way its reader reads it: fenced blocks with `$ ` commands and the output they print, and the
/// command lines (in blocks and in inline code) that name `vaewatch` or a script.
struct ReadmeText {
    /// The whole file.
    let text: String

    /// The repository's README.md.
    static func load() throws -> ReadmeText {
        ReadmeText(text: String(decoding: try readFile(repositoryRoot() + "/README.md"), as: UTF8.self))
    }

    /// The lines of each fenced block, without the fences.
    var blocks: [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let block = current { blocks.append(block) }
                current = current == nil ? [] : nil
            } else {
                current?.append(String(line))
            }
        }
        return blocks
    }

    /// The first block with a line containing `marker`.
    func block(containing marker: String) -> [String]? {
        blocks.first { $0.contains { $0.contains(marker) } }
    }

    /// One `$ command` of a block and the lines it printed, as the README shows them.
    struct Step {
        /// The command, without `$ `.
        let command: String
        /// The lines after it, up to the next command.
        let output: [String]
    }

    /// A block's commands with their output.
    static func steps(of block: [String]) -> [Step] {
        var steps: [Step] = []
        for line in block {
            if line.hasPrefix("$ ") {
                steps.append(Step(command: String(line.dropFirst(2)), output: []))
            } else if let last = steps.popLast() {
                steps.append(Step(command: last.command, output: last.output + [line]))
            }
        }
        return steps
    }

    /// Every command line shown: `$ ` lines and bare command lines of blocks, and inline code spans, that start
    /// with `vaewatch `, `sudo ` or `scripts/`; each cut at `|`, `&&`, `;` and a trailing `# comment` into the
    /// commands it runs.
    var commands: [[String]] {
        var lines: [String] = []
        for block in blocks {
            for line in block {
                let command = line.hasPrefix("$ ") ? String(line.dropFirst(2)) : line
                lines.append(command)
            }
        }
        // Inline code, in the prose outside the fenced blocks: a span never crosses a line.
        var inBlock = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("```") { inBlock.toggle() }
            guard !inBlock, !line.hasPrefix("```") else { continue }
            var rest = line
            while let open = rest.firstIndex(of: "`") {
                let after = rest[rest.index(after: open)...]
                guard let close = after.firstIndex(of: "`") else { break }
                lines.append(String(after[..<close]))
                rest = after[after.index(after: close)...]
            }
        }
        return lines.flatMap { line -> [[String]] in
            let uncommented = line.firstRange(of: " #").map { String(line[..<$0.lowerBound]) } ?? line
            return Self.segments(uncommented).compactMap { words in
                var words = words
                if words.first == "sudo" { words.removeFirst() }
                guard let first = words.first, first == "vaewatch" || first.hasPrefix("scripts/") else { return nil }
                return words
            }
        }
    }

    /// The words of each command of a shell line (split at `|`, `&&`, `;`), quotes removed.
    static func segments(_ line: String) -> [[String]] {
        var segments: [[String]] = [[]]
        var word = ""
        var quote: Character?
        var inWord = false
        func endWord() {
            if inWord { segments[segments.count - 1].append(word) }
            word = ""
            inWord = false
        }
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " {
                endWord()
            } else if character == "|" || character == ";" || character == "&" {
                endWord()
                if segments.last?.isEmpty == false { segments.append([]) }
            } else {
                word.append(character)
                inWord = true
            }
        }
        endWord()
        return segments.filter { !$0.isEmpty }
    }
}
