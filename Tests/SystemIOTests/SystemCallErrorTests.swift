import Glibc
import SystemIO
import Testing
import TestSupport

/// ``SystemCallError``: the call, the path and the errno, as people read them.
@Suite struct SystemCallErrorTests {
    @Test func aFailedOpenNamesTheCallThePathAndTheErrnoText() throws {
        let directory = try TestDirectory("systemio")
        defer { directory.remove() }
        let missing = directory.file("missing")
        let error = try #require(throws: SystemCallError.self) { try SystemCalls.openForReading(missing) }
        #expect(error.call == "open" && error.path == missing && error.errno == ENOENT && error.isNotFound)
        #expect(error.description == "open(\(missing)) failed: No such file or directory (errno 2)")
        let advised = error.advising("Check the path")
        #expect(advised.description == "open(\(missing)) failed: No such file or directory (errno 2). Check the path")
        #expect(advised.advising("Something else").remedy == "Check the path")
        #expect(
            advised.described(cannot: "load", missing)
                == "cannot load \(missing): open(\(missing)) failed: No such file or directory (errno 2). Check the path"
        )
    }

    @Test func aCallOnADescriptorAloneNamesNoPath() {
        let error = SystemCallError(call: "write", errno: EIO)
        #expect(error.description == "write failed: Input/output error (errno 5)")
    }

    @Test func aRefusalIsItsReason() {
        let error = SystemCallError.refused("/dev/sda", reason: "it is a block device; name a regular file")
        #expect(error.isRefusal)
        #expect(error.description == "it is a block device; name a regular file")
        #expect(
            error.described(cannot: "write", "/dev/sda")
                == "cannot write /dev/sda: it is a block device; name a regular file")
    }

    @Test func readAllReadsToTheEndOrTheLimit() throws {
        let directory = try TestDirectory("systemio")
        defer { directory.remove() }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        try directory.write(bytes, to: "data")
        let descriptor = try SystemCalls.openForReading(directory.file("data"))
        defer { try? SystemCalls.close(descriptor) }
        #expect(try SystemCalls.readAll(descriptor, limit: 10) == Array(bytes[..<10]))
        #expect(try SystemCalls.readAll(descriptor) == Array(bytes[10...]))
        #expect(try SystemCalls.readAll(descriptor) == [])
    }
}
