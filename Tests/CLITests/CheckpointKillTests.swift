import Glibc
import TestSupport
import Testing

/// Row C1 of RELIABILITY.md: SIGKILL while `ModelFileStore.write` replaces a model file, through real processes
/// (`vaewatch-bench checkpoint DIR --loop` writes, `vaewatch inspect` loads).
@Suite("Checkpoint: SIGKILL during a model-file write (RELIABILITY.md C1)")
struct CheckpointKillTests {
    /// Kills in the suite.
    static let kills = 200

    /// The names in `directory` of temporary files that writers of `model.vwm` left.
    static func temporaries(in directory: TestDirectory) -> [String] {
        directory.entries().filter { $0.hasPrefix("model.vwm.tmp.") }
    }

    /// The `N` of `checkpoint.loop.removed_stale N files` in the bench's output, or nil.
    static func removedCount(in output: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("checkpoint.loop.removed_stale ") })
        else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    /// The value of figure `name` (`name value unit` lines) in `output`, or nil.
    static func figure(_ name: String, in output: String) -> Double? {
        let line = output.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line?.split(separator: " ").dropFirst().first.flatMap { Double($0) }
    }

    /// The model version that `vaewatch inspect` printed (`version      N`), or nil.
    static func version(in output: String) -> Int? {
        let line = output.split(separator: "\n").first { $0.hasPrefix("version ") }
        return line?.split(separator: " ").last.flatMap { Int($0) }
    }

    @Test("200 SIGKILLs at seeded random µs offsets: the model always loads, old or new; start-up cleans temporaries")
    func killDuringWrites() throws {
        let bench = try ExternalTool.bench()
        let directory = try TestDirectory("ckpt-kill")
        defer { directory.remove() }
        let model = directory.file("model.vwm")
        let marker = directory.file("looping")

        let measured = try SpawnedProcess.run([bench, "checkpoint", directory.path])
        try #require(measured.succeeded, "vaewatch-bench checkpoint: \(measured.ending)\n\(measured.stderr)")
        print("C1 writer figures (debug build):\n\(measured.stdout)", terminator: "")
        let p50 = try #require(Self.figure("checkpoint.large.write_p50_us", in: measured.stdout))
        // Offsets cover about three writes of the large model, so kills land in every phase of a write.
        let window = max(3 * p50, 1_000)

        var generator = SplitMix64(seed: 0xC1)
        var valid = 0
        var leftTemporary = 0
        var versions: [Int: Int] = [:]
        var failures: [String] = []
        for round in 0..<Self.kills {
            unlink(marker)
            let stale = Self.temporaries(in: directory).count
            let writer = try SpawnedProcess.start([bench, "checkpoint", directory.path, "--loop"])
            let looping = eventually(within: .seconds(20)) { access(marker, F_OK) == 0 }
            pauseThread(.microseconds(Int(generator.unit() * window)))
            writer.send(SIGKILL)
            let ended = writer.wait()
            guard looping, ended.signal == SIGKILL else {
                failures.append("round \(round): writer \(ended.ending) before the kill: \(ended.stderr)")
                continue
            }
            // The writer's start-up removed exactly the temporary files the previous kill left.
            if Self.removedCount(in: ended.stdout) != stale {
                failures.append("round \(round): start-up removed \(ended.stdout), expected \(stale) files")
            }
            if !Self.temporaries(in: directory).isEmpty { leftTemporary += 1 }
            let inspected = try SpawnedProcess.run([Child.executable, "inspect", model])
            if inspected.succeeded, let version = Self.version(in: inspected.stdout), [1, 2].contains(version) {
                valid += 1
                versions[version, default: 0] += 1
            } else {
                failures.append("round \(round): inspect \(inspected.ending): \(inspected.stderr)")
            }
        }
        let stale = Self.temporaries(in: directory).count
        let cleaned = try SpawnedProcess.run([bench, "checkpoint", directory.path, "--clean"])
        print(
            "C1: \(valid)/\(Self.kills) loads valid (version 1: \(versions[1, default: 0]), version 2: "
                + "\(versions[2, default: 0])); \(leftTemporary)/\(Self.kills) kills left a temporary file; "
                + "kill offsets 0–\(Int(window)) µs after the first write")
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(valid == Self.kills)
        #expect(versions[1, default: 0] > 0 && versions[2, default: 0] > 0, "old and new should both be seen")
        // Kills that left a temporary file landed between its creation and the rename: inside writes.
        #expect(leftTemporary >= Self.kills / 10, "only \(leftTemporary) kills landed inside a write")
        #expect(cleaned.succeeded && Self.removedCount(in: cleaned.stdout) == stale)
        #expect(Self.temporaries(in: directory).isEmpty, "left after start-up: \(Self.temporaries(in: directory))")
    }
}
