import Glibc
import TestSupport
import Testing

/// Rows C5–C7 of RELIABILITY.md: `vaewatch train --out` over an existing model while strace makes one system call
/// of the model-file writer fail (L15: no root needed). Each run must exit 74 with a message that names the file,
/// the call and the errno text, leave the previous model byte for byte, and leave no temporary file.
@Suite("Checkpoint: fsync EIO, write ENOSPC, rename EXDEV under strace (RELIABILITY.md C5–C7)")
struct CheckpointFaultInjectionTests {
    /// A directory with `records.csv` and a model trained on it at `model.vwm`.
    struct Fixture {
        /// The test's directory.
        let directory: TestDirectory
        /// The model file that the faulty runs try to replace.
        var model: String { directory.file("model.vwm") }

        /// Writes the records and trains the first model (seed 1).
        init() throws {
            directory = try TestDirectory("ckpt-fault")
            let records = SyntheticStream(rows: 1_000, seed: 5, labelColumn: false)
            try directory.write(Array(records.csv.utf8), to: "records.csv")
            let trained = try SpawnedProcess.run(Self.train(in: directory, seed: 1))
            try #require(trained.succeeded, "first training: \(trained.ending)\n\(trained.stderr)")
        }

        /// `vaewatch train` on the records into `model.vwm`, with `seed`.
        static func train(in directory: TestDirectory, seed: Int) -> [String] {
            [
                Child.executable, "train", "--input", directory.file("records.csv"), "--out",
                directory.file("model.vwm"), "--epochs", "2", "--seed", String(seed), "--threads", "1",
            ]
        }

        /// Runs a second training (seed 2) under `strace -f -qq -y` with `options`, its trace in `log`.
        func trainUnderStrace(_ options: [String], log: String) throws -> SpawnResult {
            let strace = try ExternalTool.require("strace", package: "strace")
            return try SpawnedProcess.run(
                [strace, "-f", "-qq", "-y", "-o", directory.file(log)] + options + Self.train(in: directory, seed: 2))
        }

        /// The names in the directory that are temporary files of the model.
        var temporaries: [String] { directory.entries().filter { $0.hasPrefix("model.vwm.tmp.") } }
    }

    /// Checks a run that had to fail: exit 74 (EX_IOERR), a message naming the model, `call` on its temporary
    /// file and `errno`'s text, the previous bytes in place and loadable, no temporary file, and the injection
    /// in the trace.
    static func expectRefusedSave(
        _ result: SpawnResult, call: String, errorText: String, previous: [UInt8], fixture: Fixture, log: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        print("\(call) failure: \(result.ending); stderr: \(result.stderr)", terminator: "")
        #expect(result.status == 74, "\(result.ending)", sourceLocation: sourceLocation)
        let message = "vaewatch: cannot save model file \(fixture.model): \(call)(\(fixture.model).tmp."
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(") failed: \(errorText)"), sourceLocation: sourceLocation)
        #expect(
            try fixture.directory.contents(of: "model.vwm") == previous, "the previous model file changed",
            sourceLocation: sourceLocation)
        let inspected = try SpawnedProcess.run([Child.executable, "inspect", fixture.model])
        #expect(inspected.succeeded, "inspect: \(inspected.stderr)", sourceLocation: sourceLocation)
        #expect(fixture.temporaries.isEmpty, "left: \(fixture.temporaries)", sourceLocation: sourceLocation)
        let trace = try ExternalTool.text(of: fixture.directory.file(log))
        #expect(
            trace.split(separator: "\n").contains { $0.contains("model.vwm.tmp.") && $0.contains("(INJECTED)") },
            "no injected call on the temporary file in the trace", sourceLocation: sourceLocation)
    }

    @Test("C5: fsync of the temporary file fails with EIO: save refused, no retry, previous model kept")
    func fsyncInputOutputError() throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        let previous = try fixture.directory.contents(of: "model.vwm")
        let result = try fixture.trainUnderStrace(
            ["--seccomp-bpf", "-e", "trace=fsync", "-e", "inject=fsync:error=EIO"], log: "strace.log")
        try Self.expectRefusedSave(
            result, call: "fsync", errorText: "Input/output error (errno 5)", previous: previous, fixture: fixture,
            log: "strace.log")
        // One fsync, the failed one: a failed fsync is never retried (the kernel may have dropped the pages).
        let fsyncs = try ExternalTool.text(of: fixture.directory.file("strace.log")).split(separator: "\n")
            .filter { $0.contains("fsync(") }
        #expect(fsyncs.count == 1, "\(fsyncs)")
    }

    @Test("C5: fsync of the directory fails after the rename: the new model is in place, the failure is reported")
    func directoryFsyncInputOutputError() throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        let previous = try fixture.directory.contents(of: "model.vwm")
        let result = try fixture.trainUnderStrace(
            ["--seccomp-bpf", "-e", "trace=fsync", "-e", "inject=fsync:error=EIO:when=2"], log: "strace.log")
        print("directory fsync failure: \(result.ending); stderr: \(result.stderr)", terminator: "")
        #expect(result.status == 74)
        #expect(
            result.stderr.contains(
                "cannot save model file \(fixture.model): fsync(\(fixture.directory.path)) failed: "
                    + "Input/output error (errno 5). The new model file is in place but may not survive a power "
                    + "failure"), "stderr: \(result.stderr)")
        #expect(try fixture.directory.contents(of: "model.vwm") != previous, "the new model should be in place")
        #expect(try SpawnedProcess.run([Child.executable, "inspect", fixture.model]).succeeded)
        #expect(fixture.temporaries.isEmpty, "left: \(fixture.temporaries)")
    }

    @Test("C6: a write to the temporary file fails with ENOSPC: save refused, temporary file removed")
    func writeNoSpace() throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        // strace's -P needs an exact path, and the temporary file's name is random, so a first traced run finds
        // which write of its thread goes to the temporary file; the run is deterministic, so the second run's
        // write number N is the same, and `when=N` fails exactly that one (strace counts per thread).
        let calibration = try fixture.trainUnderStrace(
            ["--seccomp-bpf", "-e", "trace=write"], log: "calibration.log")
        try #require(calibration.succeeded, "calibration run: \(calibration.ending)\n\(calibration.stderr)")
        let lines = try ExternalTool.text(of: fixture.directory.file("calibration.log")).split(separator: "\n")
        let first = try #require(
            lines.firstIndex { $0.contains(" write(") && $0.contains("model.vwm.tmp.") },
            "no write to the temporary file in:\n\(lines.prefix(20).joined(separator: "\n"))")
        let thread = lines[first].prefix { $0 != " " }
        let number = lines[..<first].filter { $0.hasPrefix(thread + " ") && $0.contains(" write(") }.count + 1
        let previous = try fixture.directory.contents(of: "model.vwm")
        let result = try fixture.trainUnderStrace(
            ["--seccomp-bpf", "-e", "trace=write", "-e", "inject=write:error=ENOSPC:when=\(number)"], log: "strace.log"
        )
        try Self.expectRefusedSave(
            result, call: "write", errorText: "No space left on device (errno 28)", previous: previous,
            fixture: fixture, log: "strace.log")
    }

    @Test("C7: renaming the temporary file over the model fails with EXDEV: save refused, temporary file removed")
    func renameCrossDevice() throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        let previous = try fixture.directory.contents(of: "model.vwm")
        let calls = "rename,renameat,renameat2"
        let result = try fixture.trainUnderStrace(
            ["--seccomp-bpf", "-e", "trace=\(calls)", "-e", "inject=\(calls):error=EXDEV"], log: "strace.log")
        try Self.expectRefusedSave(
            result, call: "rename", errorText: "Invalid cross-device link (errno 18)", previous: previous,
            fixture: fixture, log: "strace.log")
    }
}
