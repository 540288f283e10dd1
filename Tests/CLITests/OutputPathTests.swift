import Glibc
import TestSupport
import Testing

/// Output paths that are not regular files (issue 17, item 11): `train --out`, `score --save` and `report --out`
/// write a device or a FIFO in place and follow a symbolic link; the atomic replace applies to regular files only.
@Suite("vaewatch train, score, report: output paths that are not regular files", .serialized)
struct OutputPathTests {
    /// The file type bits of `path` (not following a last symbolic link), or nil when it does not exist.
    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// The three commands that write a file, each writing to `path`; the report reads `scored` (JSON lines).
    static func commands(writingTo path: String, scored: String) -> [[String]] {
        [
            ["train", "--out", path, "--epochs", "2"],
            ["score", "--save", path, "--warmup", "500", "--epochs", "2"],
            ["report", "--input", scored, "--out", path],
        ]
    }

    /// A directory with `stream.csv` (600 records) and `scored.jsonl`, its verdicts.
    static func prepared() throws -> TestDirectory {
        let directory = try TestDirectory("outputs")
        try directory.write(Array(SyntheticStream(rows: 600, seed: 5, labelColumn: false).csv.utf8), to: "stream.csv")
        let scored = try vaewatch(
            ["score", "--input", directory.file("stream.csv"), "--output", "jsonl", "--warmup", "500"], in: directory)
        try #require(scored.status == 0, "\(scored.stderr)")
        try directory.write(Array(scored.stdout.utf8), to: "scored.jsonl")
        return directory
    }

    @Test("a character device (mknod c 1 3) stays a character device")
    func characterDeviceIsWrittenInPlace() throws {
        let directory = try Self.prepared()
        defer { directory.remove() }
        let device = directory.file("null")
        try #require(
            mknod(device, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0, "mknod: errno \(errno) (tests run as root)")
        for arguments in Self.commands(writingTo: device, scored: directory.file("scored.jsonl")) {
            let input = try directory.contents(of: "stream.csv")
            let result = try vaewatch(arguments, input: input, in: directory)
            #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
            #expect(Self.fileType(device) == S_IFCHR, "\(arguments[0]) replaced the device node")
        }
    }

    @Test("a symbolic link to a regular file stays a link; its target gets the content")
    func symbolicLinkIsFollowed() throws {
        let directory = try Self.prepared()
        defer { directory.remove() }
        let link = directory.file("link")
        for (index, arguments) in Self.commands(writingTo: link, scored: directory.file("scored.jsonl")).enumerated() {
            let target = "target-\(index)"
            try directory.write([], to: target)
            unlink(link)
            try #require(symlink(target, link) == 0)
            let result = try vaewatch(arguments, input: try directory.contents(of: "stream.csv"), in: directory)
            #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
            #expect(Self.fileType(link) == S_IFLNK, "\(arguments[0]) replaced the symbolic link")
            #expect(Self.fileType(directory.file(target)) == S_IFREG)
            #expect(try directory.contents(of: target).count > 100, "\(arguments[0]) left the target empty")
        }
    }

    @Test("a FIFO with a reader gets the content in place; without one, a clear refusal and no hang")
    func fifoIsWrittenInPlaceOrRefused() throws {
        let directory = try Self.prepared()
        defer { directory.remove() }
        let fifo = directory.file("fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        let scored = directory.file("scored.jsonl")
        let alone = try vaewatch(["report", "--input", scored, "--out", fifo], in: directory)
        #expect(alone.status == 74, "\(alone.stderr)")
        #expect(alone.stderr.contains("No process is reading it; start its reader first"), "\(alone.stderr)")
        #expect(Self.fileType(fifo) == S_IFIFO)

        let reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        try #require(reader >= 0)
        defer { close(reader) }
        let child = try Child(
            ["report", "--input", scored, "--out", fifo], stdin: .file("/dev/null"),
            stdout: .file(directory.file("out")), stderr: (directory, "err"))
        var received: [UInt8] = []
        var status: Int32?
        let deadline = monotonicNow() + 20
        while monotonicNow() < deadline {
            var entry = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
            _ = poll(&entry, 1, 100)
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
            if count > 0 { received += chunk[..<count] }
            var raw: Int32 = 0
            if status == nil, waitpid(child.pid, &raw, WNOHANG) == child.pid { status = Child.decode(raw).0 ?? -1 }
            if status != nil, count <= 0 { break }
        }
        if status == nil {
            kill(child.pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(child.pid, &raw, 0)
        }
        #expect(status == 0, "\(child.errors)")
        #expect(String(decoding: received, as: UTF8.self).hasSuffix("</svg>\n"), "\(received.count) bytes")
        #expect(Self.fileType(fifo) == S_IFIFO)
    }
}
