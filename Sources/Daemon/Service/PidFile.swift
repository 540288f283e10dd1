import Glibc

/// The daemon's pid file in its runtime folder (`vaewatch.pid`), which `vaewatch retrain` reads to find it.
public enum PidFile {
    /// The file's name in the runtime folder.
    public static let name = "vaewatch.pid"

    /// Writes this process's pid to `directory/vaewatch.pid`, creating the folder if needed.
    static func write(in directory: String) throws(DaemonError) {
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            throw DaemonError(
                .io,
                "cannot create the runtime folder \(directory): \(StatusFile.errorText()); create it, or set "
                    + "state.runtime_directory to a writable folder")
        }
        let path = directory + "/" + name
        let temporary = path + ".tmp.\(getpid())"
        let text = Array("\(getpid())\n".utf8)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0, text.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == text.count
        else {
            let reason = StatusFile.errorText()
            if descriptor >= 0 { close(descriptor) }
            unlink(temporary)
            throw DaemonError(
                .io, "cannot write the pid file \(path): \(reason); make \(directory) writable by the daemon's user")
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let reason = StatusFile.errorText()
            unlink(temporary)
            throw DaemonError(.io, "cannot write the pid file \(path): \(reason)")
        }
    }

    /// Removes the pid file if it still names this process.
    static func remove(in directory: String) {
        let path = directory + "/" + name
        if read(path) == getpid() { unlink(path) }
    }

    /// The pid in the file at `path`; nil when it is missing or holds no pid.
    public static func read(_ path: String) -> pid_t? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).trimmingSuffix(while: { $0 == "\n" })
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
