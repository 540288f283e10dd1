internal import Glibc

/// Temporary files of ``ModelFileStore/write(_:to:)``: `<base name>.tmp.<decimal pid>.<hex>`, beside the
/// model file they will replace.
extension ModelFileStore {
    /// Removes temporary files that writers which crashed or were killed left in `directory`, and returns
    /// how many it removed.
    ///
    /// Only regular files named `<base>.tmp.<decimal pid>.<hex>` are removed, and with `forBaseName`, only
    /// those whose `<base>` is exactly that name. Call it at start-up, before this process saves a model: the
    /// temporary file of a save running at the same time would be removed too, and that save would fail
    /// (without damaging any model file).
    public static func removeStaleTemporaryFiles(
        in directory: String, forBaseName baseName: String? = nil
    ) throws(CheckpointError) -> Int {
        let remedy = "Check that \(directory) exists and is readable and writable, or remove the files by hand"
        let names: [String]
        do {
            names = try SystemCalls.entryNames(ofDirectoryAt: directory)
        } catch {
            throw .system(error, .cleanUp, path: directory, subject: directory, remedy: remedy)
        }
        var removed = 0
        for name in names where isTemporaryName(name, forBaseName: baseName) {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            do {
                guard try SystemCalls.isRegularFile(path) else { continue }
                try SystemCalls.unlink(path)
                removed += 1
            } catch  where error.errno == ENOENT {
                continue  // Removed by someone else meanwhile.
            } catch {
                throw .system(error, .cleanUp, path: directory, subject: path, remedy: remedy)
            }
        }
        return removed
    }

    /// Whether `name` has the form `<base>.tmp.<decimal pid>.<hex>`, with `<base>` equal to `baseName` if
    /// one is given and non-empty otherwise.
    static func isTemporaryName(_ name: String, forBaseName baseName: String?) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[parts.count - 3] == "tmp" else { return false }
        let pid = parts[parts.count - 2]
        let random = parts[parts.count - 1]
        guard !pid.isEmpty, pid.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            !random.isEmpty, random.allSatisfy(\.isHexDigit)
        else { return false }
        let base = parts[..<(parts.count - 3)].joined(separator: ".")
        if let baseName { return base == baseName }
        return !base.isEmpty
    }

    /// The directory that holds `path`: the part before the last `/`, `/` for a file in the root, and `.` for
    /// a bare name. Refuses an empty path and one that ends in `/`.
    static func directory(of path: String) throws(CheckpointError) -> String {
        let problem: CInt? = path.isEmpty ? ENOENT : path.hasSuffix("/") ? EISDIR : nil
        if let problem {
            throw .system(
                SystemCallError(call: "open", errno: problem), .save, path: path, subject: path,
                remedy: "Name a model file, not a directory")
        }
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Creates `<path>.tmp.<pid>.<random hex>` exclusively, with mode `permissions`, for writing; returns its path and
    /// descriptor. Picks another name if one exists already.
    static func createTemporaryFile(
        for path: String, permissions: mode_t = 0o600, action: CheckpointError.SystemFailure.Action = .save,
        remedy: String
    ) throws(CheckpointError) -> (path: String, descriptor: CInt) {
        let flags = O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC
        var attempts = 0
        while true {
            let temporary = "\(path).tmp.\(getpid()).\(String(UInt64.random(in: .min ... .max), radix: 16))"
            do {
                return (temporary, try SystemCalls.open(temporary, flags, permissions))
            } catch  where error.errno == EEXIST && attempts < 8 {
                attempts += 1
            } catch {
                throw .system(error, action, path: path, subject: temporary, remedy: remedy)
            }
        }
    }
}
