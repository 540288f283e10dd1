import Glibc
import SystemIO
import Testing
import TestSupport

/// ``OutputFile``: the atomic replace, and the files it writes in place or refuses.
@Suite struct OutputFileTests {
    @Test func aNewFileGetsThePermissionsAskedFor() throws {
        let directory = try TestDirectory("systemio")
        defer { directory.remove() }
        try OutputFile.write([1, 2, 3], to: directory.file("status.json"), permissions: 0o640, durable: false)
        #expect(try directory.contents(of: "status.json") == [1, 2, 3])
        #expect(try directory.mode(of: "status.json") == 0o640)
        #expect(directory.entries() == ["status.json"])
    }

    @Test func aReplacedFileGetsThePermissionsAskedForNotTheOldOnes() throws {
        let directory = try TestDirectory("systemio")
        defer { directory.remove() }
        try directory.write([9], to: "model.vwm")
        try #require(chmod(directory.file("model.vwm"), 0o666) == 0)
        try OutputFile.write([4, 5], to: directory.file("model.vwm"))
        #expect(try directory.contents(of: "model.vwm") == [4, 5])
        #expect(try directory.mode(of: "model.vwm") == 0o600)
        #expect(directory.entries() == ["model.vwm"])
    }

    @Test func aParentThatIsARegularFileFailsAndLeavesNoTemporaryFile() throws {
        let directory = try TestDirectory("systemio")
        defer { directory.remove() }
        try directory.write([1], to: "plain")
        let path = directory.file("plain/report.svg")
        let error = try #require(throws: SystemCallError.self) {
            try OutputFile.write([1, 2], to: path, noun: "report")
        }
        #expect(error.call == "open" && error.errno == ENOTDIR)
        #expect(error.path?.hasPrefix(path + ".tmp.\(getpid()).") == true)
        #expect(error.remedy?.hasPrefix("The previous report, if any, is unchanged") == true)
        #expect(directory.entries() == ["plain"])
        #expect(try directory.contents(of: "plain") == [1])
    }

    @Test func aFailedRenameRemovesTheTemporaryFileAndKeepsTheTarget() throws {
        let directory = try TestDirectory("systemio")
        defer { directory.remove() }
        try #require(mkdir(directory.file("out"), 0o755) == 0)
        try directory.write([1], to: "out/keep")
        let error = try #require(throws: SystemCallError.self) {
            try OutputFile.replaceAtomically([1, 2], at: directory.file("out"))
        }
        #expect(error.call == "rename" && error.errno == EISDIR)
        #expect(error.path?.hasPrefix(directory.file("out") + ".tmp.") == true)
        #expect(directory.entries() == ["out"])
        #expect(directory.entries("out") == ["keep"])
    }

    @Test func aPathEndingInASlashIsRefusedForItsNoun() throws {
        let directory = try TestDirectory("systemio")
        defer { directory.remove() }
        let error = try #require(throws: SystemCallError.self) {
            try OutputFile.write([1], to: directory.path + "/", noun: "report")
        }
        #expect(error.errno == EISDIR && error.remedy == "Name a report, not a directory")
        #expect(directory.entries() == [])
    }

    @Test func aLinkToNothingIsRefusedAndLeftAsItIs() throws {
        let directory = try TestDirectory("systemio")
        defer { directory.remove() }
        try #require(symlink(directory.file("nowhere"), directory.file("link")) == 0)
        let error = try #require(throws: SystemCallError.self) {
            try OutputFile.write([1], to: directory.file("link"), noun: "report")
        }
        #expect(error.isRefusal)
        #expect(error.description.hasPrefix("it is a symbolic link to a file that does not exist"))
        #expect(directory.entries() == ["link"])
    }

    @Test func aFIFOWithoutAReaderIsRefusedAtOnce() throws {
        let directory = try TestDirectory("systemio")
        defer { directory.remove() }
        try #require(mkfifo(directory.file("fifo"), 0o600) == 0)
        let error = try #require(throws: SystemCallError.self) {
            try OutputFile.write([1], to: directory.file("fifo"), noun: "report")
        }
        #expect(error.call == "open" && error.errno == ENXIO)
        #expect(error.remedy?.hasPrefix("No process is reading it") == true)
    }

    @Test func aCharacterDeviceIsWrittenInPlace() throws {
        try OutputFile.write([1, 2, 3], to: "/dev/null", noun: "report")
        var info = stat()
        #expect(lstat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
    }
}
