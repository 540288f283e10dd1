import TestSupport
import Checkpoint
import Glibc
import Testing
import VAE

@Suite struct TemporaryFilesTests {
    @Test func removesStaleTemporaryFilesAndNothingElse() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let stale = ["x.tmp.123.abc", "model.vaem.tmp.99.deadbeef", "model.vaem.tmp.1.0"]
        let kept = [
            "model.vaem", "x.tmp", "x.tmp.abc.123", "x.tmp.123.xyz", "x.tmp.123.", "x.tmp..abc", ".tmp.1.a",
            "notes.tmp.txt", "x.tmp.123.abc.bak", "x.TMP.1.a",
        ]
        for name in stale + kept { try directory.write([7], to: name) }
        try #require(mkdir(directory.file("d.tmp.1.a"), 0o755) == 0)
        try directory.write([1], to: "d.tmp.1.a/inner")
        try #require(symlink("model.vaem", directory.file("s.tmp.1.a")) == 0)

        #expect(try ModelFileStore.removeStaleTemporaryFiles(in: directory.path) == stale.count)
        #expect(directory.entries() == (kept + ["d.tmp.1.a", "s.tmp.1.a"]).sorted())
        #expect(directory.entries("d.tmp.1.a") == ["inner"])
        #expect(try ModelFileStore.removeStaleTemporaryFiles(in: directory.path + "/") == 0)
    }

    @Test func baseNameLimitsWhatIsRemoved() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        for name in [
            "model.vaem.tmp.1.a", "model.vaem.tmp.22.bb", "other.vaem.tmp.2.b", "x.tmp.123.abc", "model.tmp.3.c",
        ] {
            try directory.write([], to: name)
        }
        #expect(try ModelFileStore.removeStaleTemporaryFiles(in: directory.path, forBaseName: "model.vaem") == 2)
        #expect(directory.entries() == ["model.tmp.3.c", "other.vaem.tmp.2.b", "x.tmp.123.abc"])
    }

    @Test func leftoverOfAnInterruptedWriteIsRemovedAndTheModelStillLoads() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let path = directory.file("model.vaem")
        let bytes = try ModelFileFormat.encode(
            header: .init(
                featureNames: ["a"], architecture: .init(inputWidth: 1, hiddenWidths: [2], latentWidth: 1),
                seed: 4, createdAt: 0), weights: Array(repeating: 0.5, count: 17))
        try ModelFileStore.write(bytes, to: path)
        try directory.write(Array(bytes.prefix(40)), to: "model.vaem.tmp.4242.0123abcd")  // As if killed mid-write.
        #expect(try ModelFileStore.removeStaleTemporaryFiles(in: directory.path, forBaseName: "model.vaem") == 1)
        #expect(directory.entries() == ["model.vaem"])
        #expect(try ModelFileStore.read(path: path).header.seed == 4)
    }

    @Test func missingDirectoryIsASystemError() throws {
        let missing = "/tmp/vaewatch-no-such-directory-\(getpid())"
        let error = try #require(throws: CheckpointError.self) {
            try ModelFileStore.removeStaleTemporaryFiles(in: missing)
        }
        guard case .system(let failure) = error else {
            Issue.record("expected a system error, got \(error)")
            return
        }
        #expect(failure.action == .cleanUp && failure.call == "opendir" && failure.errno == ENOENT)
        #expect(
            error.description.hasPrefix("cannot remove stale temporary files in \(missing): opendir(\(missing)) failed")
        )
    }
}
