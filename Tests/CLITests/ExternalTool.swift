import Glibc
import TestSupport
import Testing

/// Programs the CLI tests run besides `vaewatch`: system tools found on `PATH`, the repository's scripts and the
/// built `vaewatch-bench`.
enum ExternalTool {
    /// The absolute path of `name` on `PATH`; records a failure that says how to install it when it is missing
    /// (a missing tool fails the test, it never skips it).
    static func require(_ name: String, package: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> String
    {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        try #require(
            Bool(false),
            "\(name) is not on PATH; install it with `apt-get install \(package)` (scripts/setup installs it)",
            sourceLocation: sourceLocation)
        return name
    }

    /// The built `vaewatch-bench` executable, beside the test bundle like `vaewatch` (``Child/executable``);
    /// records a failure when it has not been built.
    static func bench(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let vaewatch = Child.executable
        let path = String(vaewatch[..<(vaewatch.lastIndex(of: "/") ?? vaewatch.endIndex)]) + "/vaewatch-bench"
        try #require(
            access(path, X_OK) == 0,
            "\(path) is missing; build it with `swift build --product vaewatch-bench` (CLITests depends on it)",
            sourceLocation: sourceLocation)
        return path
    }

    /// The text of the file at `path`.
    static func text(of path: String) throws -> String { String(decoding: try readFile(path), as: UTF8.self) }
}
