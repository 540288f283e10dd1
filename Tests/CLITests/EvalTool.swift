import TestSupport
import Testing

/// Runs the built `vaewatch-bench` for the evaluation tests and reads its `name=value` lines.
enum EvalTool {
    /// Runs `vaewatch-bench` with `arguments` to completion.
    static func bench(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> SpawnResult {
        try SpawnedProcess.run([try ExternalTool.bench(sourceLocation: sourceLocation)] + arguments)
    }

    /// The `name=value` words of `line`, by name.
    static func figures(_ line: String) -> [String: String] {
        var figures: [String: String] = [:]
        for word in line.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let equals = word.firstIndex(of: "=") else { continue }
            figures[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return figures
    }

    /// The lines of the file at `path`, split at line feeds only (a carriage return stays with its line), without
    /// the empty string after the final line feed.
    static func lines(of path: String) throws -> [String] {
        try readFile(path).split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
    }
}
