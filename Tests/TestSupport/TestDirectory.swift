import Glibc
import Testing

/// A fresh directory under /tmp for one test, removed with everything in it by ``remove()``.
public struct TestDirectory: Sendable {
    /// Absolute path of the directory.
    public let path: String

    /// Creates `/tmp/vaewatch-<purpose>-XXXXXX`.
    public init(_ purpose: String = "test") throws {
        var template = Array("/tmp/vaewatch-\(purpose)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = try #require(created.map { String(cString: $0) }, "mkdtemp failed: errno \(errno)")
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Names in the directory, sorted, without `.` and `..`.
    public func entries(_ subdirectory: String? = nil) -> [String] {
        directoryEntries(subdirectory.map(file) ?? path)?.sorted() ?? ["<opendir failed: \(errno)>"]
    }

    /// Creates or replaces the file `name` with `bytes`.
    public func write(_ bytes: [UInt8], to name: String) throws {
        let descriptor = open(file(name), O_CREAT | O_TRUNC | O_WRONLY, 0o644)
        try #require(descriptor >= 0, "open \(name): errno \(errno)")
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        try #require(written == bytes.count, "write \(name): errno \(errno)")
    }

    /// The whole content of the file `name`.
    public func contents(of name: String) throws -> [UInt8] { try readFile(file(name)) }

    /// The permission bits of `name`.
    public func mode(of name: String) throws -> mode_t {
        var info = stat()
        try #require(lstat(file(name), &info) == 0, "lstat \(name): errno \(errno)")
        return info.st_mode & 0o7777
    }

    /// Removes the directory and everything in it.
    public func remove() { removeTree(path) }
}

/// Removes `path` and, for a directory, everything in it; symbolic links are removed, not followed.
public func removeTree(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if info.st_mode & S_IFMT == S_IFDIR {
        for name in directoryEntries(path) ?? [] { removeTree(path + "/" + name) }
        rmdir(path)
    } else {
        unlink(path)
    }
}

/// Names in the directory at `path`, without `.` and `..`, in the order `readdir` gives; nil when it cannot be
/// opened.
public func directoryEntries(_ path: String) -> [String]? {
    guard let stream = opendir(path) else { return nil }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Why ``readFile(_:)`` failed: the call, the path and the errno. Thrown, not recorded, so that `try?` can probe for a
/// file that may not exist yet; an uncaught one still fails the test with this text.
public struct FileReadError: Error, CustomStringConvertible {
    /// `open /path: errno 2`.
    public let description: String
}

/// The whole content of the file at `path`.
public func readFile(_ path: String) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw FileReadError(description: "open \(path): errno \(errno)") }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw FileReadError(description: "read \(path): errno \(errno)") }
        if count == 0 { return bytes }
        bytes += chunk[..<count]
    }
}
