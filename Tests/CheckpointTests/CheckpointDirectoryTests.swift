import Checkpoint
import Glibc
import Testing
import TestSupport
import VAE

/// The daemon's checkpoint folder: one file per version, the newest K kept, leftovers of killed writes removed.
@Suite struct CheckpointDirectoryTests {
    @Test func keepsTheNewestCheckpointsOnly() throws {
        let directory = try TestDirectory()
        let checkpoints = CheckpointDirectory(path: directory.path + "/checkpoints")
        #expect(try checkpoints.prepare() == 0)
        for version in 1...7 {
            try checkpoints.save(Array("model \(version)".utf8), version: version, keep: 3)
        }
        let versions = try checkpoints.versions()
        #expect(versions.map(\.version) == [7, 6, 5])
        #expect(versions.first?.path == directory.path + "/checkpoints/model-v000007.vwm")
        #expect(try readFile(versions[0].path) == Array("model 7".utf8))
    }

    @Test func prepareCreatesTheFolderAndRemovesLeftoversOfKilledWrites() throws {
        let directory = try TestDirectory()
        let path = directory.path + "/checkpoints"
        let checkpoints = CheckpointDirectory(path: path)
        _ = try checkpoints.prepare()
        let leftover = path + "/model-v000002.vwm.tmp.12345.abcdef"
        let descriptor = open(leftover, O_CREAT | O_WRONLY, 0o600)
        #expect(descriptor >= 0)
        close(descriptor)
        try checkpoints.save(Array("one".utf8), version: 1, keep: 5)
        #expect(try checkpoints.prepare() == 1)
        #expect(directoryEntries(path) == ["model-v000001.vwm"])
    }

    @Test func unrelatedFilesAreNeitherListedNorPruned() throws {
        let directory = try TestDirectory()
        let checkpoints = CheckpointDirectory(path: directory.path)
        for name in ["notes.txt", "model-vabc.vwm", "model-v000000.vwm"] {
            let descriptor = open(directory.path + "/" + name, O_CREAT | O_WRONLY, 0o600)
            close(descriptor)
        }
        try checkpoints.save(Array("a".utf8), version: 12, keep: 1)
        try checkpoints.save(Array("b".utf8), version: 13, keep: 1)
        #expect(try checkpoints.versions().map(\.version) == [13])
        #expect(
            directoryEntries(directory.path)?.sorted() == [
                "model-v000000.vwm", "model-v000013.vwm", "model-vabc.vwm", "notes.txt",
            ])
    }

    @Test func aFolderThatCannotBeCreatedSaysWhatToDo() throws {
        let checkpoints = CheckpointDirectory(path: "/nonexistent-vaewatch/a/b")
        #expect {
            _ = try checkpoints.prepare()
        } throws: { error in
            "\(error)".contains("mkdir") && "\(error)".contains("/nonexistent-vaewatch/a/b")
        }
    }
}
