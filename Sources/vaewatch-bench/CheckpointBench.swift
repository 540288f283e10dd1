// `vaewatch-bench checkpoint DIR [--loop | --clean]`: the model-file writer, `ModelFileStore.write`, on real files.
//
// Without a flag it writes two alternating models to DIR/model.vwm, first the reference network (32 features,
// hidden [64, 32], k = 8) 200 times, then a large one (128 features, hidden [512, 256], k = 16, about 1.6 MB)
// 50 times, and prints per size the file's bytes, the write latency p50 and p99 (temporary file, write, fsync,
// rename, directory fsync) and the throughput.
//
// `--loop` is the writer of RELIABILITY.md C1 (SIGKILL during a checkpoint write): it first removes the stale
// temporary files in DIR as the daemon does at start-up and prints how many
// (`checkpoint.loop.removed_stale N files`), then writes the large model (its two versions are kept in
// DIR/loop-source-v1.vwm and -v2.vwm, so that later starts are quick), creates DIR/looping, and rewrites
// DIR/model.vwm forever, alternating two models (versions 1 and 2, seeds 1 and 2) so that old and new differ.
// `--clean` only removes the stale temporary files and prints the same line.
import Checkpoint
import VAE

#if canImport(Glibc)
    import Glibc
#endif
internal import SystemIO

/// A model file's worth of bytes for one network size, twice: versions 1 and 2, with different weights.
private struct CheckpointPair {
    /// A short name for the figures: `reference` or `large`.
    var name: String
    /// The encoded model files, version 1 then version 2.
    var files: [[UInt8]]

    /// Encodes two freshly initialized models of `architecture`.
    init(name: String, architecture: Architecture) throws {
        self.name = name
        let width = architecture.inputWidth
        files = try [1, 2].map { (version: Int) in
            let model = try VAEModel(initializing: architecture, seed: UInt64(version))
            let header = ModelHeader(
                featureNames: (0..<width).map { "f\($0)" }, architecture: architecture,
                scaler: ScalerStatistics(
                    mean: [Float](repeating: 0, count: width), scale: [Float](repeating: 1, count: width)),
                threshold: 1, seed: UInt64(version), createdAt: Int64(time(nil)), version: version)
            return try ModelFileFormat.encode(header: header, weights: model.parameters)
        }
    }

    /// The reference network of the speed figures.
    static func reference() throws -> CheckpointPair {
        try CheckpointPair(
            name: "reference", architecture: Architecture(inputWidth: 32, hiddenWidths: [64, 32], latentWidth: 8))
    }

    /// A network large enough that one write takes a measurable time.
    static func large() throws -> CheckpointPair {
        try CheckpointPair(
            name: "large", architecture: Architecture(inputWidth: 128, hiddenWidths: [512, 256], latentWidth: 16))
    }

    /// ``large()``, read from `<directory>/loop-source-v1.vwm` and `-v2.vwm` when a previous loop left them there,
    /// else built and saved there: building takes about a second in a debug build, and the kill test starts the
    /// loop 200 times.
    static func cachedLarge(in directory: String) throws -> CheckpointPair {
        let paths = [1, 2].map { directory + "/loop-source-v\($0).vwm" }
        if let files = try? paths.map(readWholeFile) {
            return CheckpointPair(name: "large", files: files)
        }
        let pair = try large()
        for (file, path) in zip(pair.files, paths) { try ModelFileStore.write(file, to: path) }
        return pair
    }

    /// A pair of already encoded files.
    private init(name: String, files: [[UInt8]]) {
        self.name = name
        self.files = files
    }
}

/// A file that cannot be read whole.
private struct UnreadableFile: Error {
    /// The file's path.
    var path: String
}

/// The bytes of the file at `path`.
private func readWholeFile(_ path: String) throws(UnreadableFile) -> [UInt8] {
    do {
        let descriptor = try SystemCalls.openForReading(path)
        defer { try? SystemCalls.close(descriptor) }
        return try SystemCalls.readAll(descriptor, path: path)
    } catch {
        throw UnreadableFile(path: path)
    }
}

/// Runs `vaewatch-bench checkpoint` with the arguments after `checkpoint`; returns the exit status.
func runCheckpointBench(_ arguments: [String]) -> Int32 {
    guard let directory = arguments.first, arguments.count <= 2 else {
        return checkpointUsage("expected a directory and at most one flag")
    }
    let path = directory + "/model.vwm"
    do {
        switch arguments.dropFirst().first {
        case nil: try measureCheckpointWrites(to: path)
        case "--loop": try loopCheckpointWrites(to: path, directory: directory)
        case "--clean": try removeStaleCheckpoints(in: directory)
        case let flag?: return checkpointUsage("unknown flag \(flag)")
        }
    } catch {
        printToStandardError("vaewatch-bench checkpoint: \(error)")
        return 1
    }
    return 0
}

/// Prints the usage with `problem` on stderr; returns the usage exit status.
private func checkpointUsage(_ problem: String) -> Int32 {
    printToStandardError(
        "vaewatch-bench checkpoint: \(problem); usage: vaewatch-bench checkpoint DIR [--loop | --clean]")
    return 64
}

/// Writes each size's two models alternately and prints the latency and throughput figures.
private func measureCheckpointWrites(to path: String) throws {
    for (pair, writes) in [(try CheckpointPair.reference(), 200), (try CheckpointPair.large(), 50)] {
        var seconds: [Double] = []
        for index in 0..<writes {
            let start = checkpointClock()
            try ModelFileStore.write(pair.files[index % 2], to: path)
            seconds.append(checkpointClock() - start)
        }
        seconds.sort()
        let bytes = pair.files[0].count
        let total = seconds.reduce(0, +)
        printFigure("checkpoint.\(pair.name).bytes", Double(bytes), "bytes")
        printFigure("checkpoint.\(pair.name).write_p50_us", seconds[(seconds.count - 1) / 2] * 1e6, "us")
        printFigure("checkpoint.\(pair.name).write_p99_us", seconds[(seconds.count - 1) * 99 / 100] * 1e6, "us")
        printFigure("checkpoint.\(pair.name).mb_per_s", Double(bytes * writes) / total / 1e6, "MB/s")
    }
}

/// Removes stale temporary files as start-up does, writes once, marks the loop as running with
/// `<directory>/looping`, then rewrites `path` until killed.
private func loopCheckpointWrites(to path: String, directory: String) throws -> Never {
    try removeStaleCheckpoints(in: directory)
    let pair = try CheckpointPair.cachedLarge(in: directory)
    try ModelFileStore.write(pair.files[0], to: path)
    if let marker = try? SystemCalls.openForAppending(directory + "/looping", permissions: 0o644) {
        try? SystemCalls.close(marker)
    }
    var index = 1
    while true {
        try ModelFileStore.write(pair.files[index % 2], to: path)
        index += 1
    }
}

/// Removes the temporary files that killed writers left in `directory`, as the daemon does at start-up
/// (`CheckpointDirectory.prepare()`), and prints how many.
private func removeStaleCheckpoints(in directory: String) throws {
    let removed = try ModelFileStore.removeStaleTemporaryFiles(in: directory)
    print("checkpoint.loop.removed_stale", removed, "files")
    fflush(nil)  // Stdout is a file when a test runs the loop; the line must be out before a SIGKILL.
}

/// Writes `line` and a newline to stderr.
private func printToStandardError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { buffer in try? SystemCalls.writeAll(STDERR_FILENO, buffer) }
}

/// One figure per line: name, value rounded to an integer, unit.
private func printFigure(_ name: String, _ value: Double, _ unit: String) {
    print(name, Int(value.rounded()), unit)
}

/// Seconds on the monotonic clock.
private func checkpointClock() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
