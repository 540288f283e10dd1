import Foundation
import Testing
import TestSupport

/// Builds the libFuzzer target of the line parsers with `scripts/fuzz --build-only` and runs it for a million
/// inputs from the seed corpus (RELIABILITY.md I14, L14). A missing compiler or fuzzer runtime fails the test.
@Suite struct FuzzTests {
    /// The repository root, found from this file's path.
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `swiftc` of the toolchain: `$SWIFTC`, else the first on `PATH`, else the swift.org install path.
    private static func swiftc() -> String? {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let chosen = environment["SWIFTC"] { candidates.append(chosen) }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            candidates.append(directory + "/swiftc")
        }
        candidates.append("/opt/swift/usr/bin/swiftc")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable` with `arguments`, its output going to `log`; returns its exit status, or -signal.
    private static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], log: String
    ) throws -> Int32 {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try #require(FileHandle(forWritingAtPath: log))
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = root
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    /// The last `count` characters of the file at `path`.
    private static func tail(_ path: String, _ count: Int = 3000) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<no output>"
        return String(text.suffix(count))
    }

    @Test(.timeLimit(.minutes(3)))
    func lineParsersSurviveAMillionFuzzedInputs() throws {
        let swiftc = try #require(
            Self.swiftc(),
            "no swiftc on PATH, in $SWIFTC or at /opt/swift/usr/bin/swiftc: the fuzz target cannot be built")
        let directory = try TestDirectory("fuzz")
        defer { directory.remove() }
        let seeds = Self.root.appendingPathComponent("Fuzz/LineParsers/corpus").path

        let buildLog = directory.file("build.log")
        let built = try Self.run(
            "/bin/bash", [Self.root.appendingPathComponent("scripts/fuzz").path, "--build-only", directory.path],
            environment: ["SWIFTC": swiftc], log: buildLog)
        try #require(
            built == 0,
            "scripts/fuzz --build-only failed (status \(built)); libFuzzer needs the toolchain's fuzzer runtime:\n\(Self.tail(buildLog))"
        )

        // The seeds are given as files, so nothing is written to the committed corpus and new inputs stay in
        // memory. Allocation stacks are left out of ASan's bookkeeping for speed; a crash still prints its stack,
        // through libFuzzer rather than Swift's backtracer, which can hang.
        let seedFiles = try FileManager.default.contentsOfDirectory(atPath: seeds).sorted().map { "\(seeds)/\($0)" }
        let fuzzLog = directory.file("fuzz.log")
        let status = try Self.run(
            directory.file("LineParsersFuzz"),
            [
                "-runs=1000000", "-max_len=256", "-seed=1", "-print_final_stats=1",
                "-artifact_prefix=\(directory.path)/", "-seed_inputs=\(seedFiles.joined(separator: ","))",
            ],
            environment: ["ASAN_OPTIONS": "malloc_context_size=0", "SWIFT_BACKTRACE": "enable=no"], log: fuzzLog)
        #expect(status == 0, "the fuzz target failed (status \(status)):\n\(Self.tail(fuzzLog))")
        #expect(seedFiles.count >= 5, "the seed corpus \(seeds) has \(seedFiles.count) files")
        let output = Self.tail(fuzzLog, 100_000)
        #expect(output.contains("Done 1000000 runs"), "the fuzz run did not finish:\n\(Self.tail(fuzzLog))")
    }
}
