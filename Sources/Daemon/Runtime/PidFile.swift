import Glibc
internal import SystemIO

/// The daemon's pid file in its runtime folder (`vaewatch.pid`), which `vaewatch retrain` reads to find it.
package enum PidFile {
    /// The file's name in the runtime folder.
    package static let name = "vaewatch.pid"

    /// Writes this process's pid to `directory/vaewatch.pid` (replaced atomically by SystemIO's `OutputFile`),
    /// creating the folder if needed.
    static func write(in directory: String) throws(DaemonError) {
        do {
            try SystemCalls.makeDirectory(directory, permissions: 0o755)
        } catch {
            throw DaemonError(
                .io,
                "cannot create the runtime folder \(directory): \(error.message); create it, or set "
                    + "state.runtime_directory to a writable folder")
        }
        let path = directory + "/" + name
        do {
            try OutputFile.write(
                Array("\(getpid())\n".utf8), to: path, permissions: 0o644, durable: false, noun: "pid file")
        } catch {
            throw DaemonError(
                .io, "\(error.described(cannot: "write", path)); make \(directory) writable by the daemon's user")
        }
    }

    /// Removes the pid file if it still names this process.
    static func remove(in directory: String) {
        let path = directory + "/" + name
        if read(path) == getpid() { try? SystemCalls.unlink(path) }
    }

    /// The pid in the file at `path`; nil when it is missing or holds no pid.
    package static func read(_ path: String) -> pid_t? {
        guard let descriptor = try? SystemCalls.openForReading(path) else { return nil }
        defer { try? SystemCalls.close(descriptor) }
        guard let bytes = try? SystemCalls.readAll(descriptor, limit: 32), !bytes.isEmpty else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingSuffix(while: { $0 == "\n" })
        guard let pid = pid_t(text), pid > 0 else { return nil }
        return pid
    }
}

extension String {
    /// The string without trailing characters that match `predicate`.
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var result = self
        while let last = result.last, predicate(last) { result.removeLast() }
        return result
    }
}
