internal import SystemIO

/// A folder of model checkpoints, one file per version (`model-v000007.vwm`), of which the newest K are kept.
///
/// Each file is written by ``ModelFileStore/write(_:to:)`` (temporary file, fsync, rename, directory fsync), so
/// a crash leaves the previous checkpoints intact and at worst a temporary file, which ``prepare()`` removes.
package struct CheckpointDirectory: Sendable {
    /// The folder.
    package let path: String

    /// The checkpoints in `path`.
    package init(path: String) { self.path = path }

    /// Creates the folder (mode 0700) if it is missing and removes temporary files that a killed writer left;
    /// returns how many it removed. Call it at start-up, before the first save.
    package func prepare() throws(CheckpointError) -> Int {
        do {
            try SystemCalls.makeDirectory(path, permissions: 0o700)
        } catch {
            throw .system(
                error, .manage, path: path, subject: path,
                remedy: "Create \(path) (or its parent) and make it writable by the daemon's user")
        }
        return try ModelFileStore.removeStaleTemporaryFiles(in: path)
    }

    /// The file name of `version`.
    package static func fileName(version: Int) -> String {
        let digits = String(version)
        return "model-v" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".vwm"
    }

    /// The path of `version`'s checkpoint.
    package func file(version: Int) -> String { path + "/" + Self.fileName(version: version) }

    /// Writes `bytes` as `version`'s checkpoint, atomically and durably, then removes all but the `keep` newest
    /// checkpoints. Returns the new file's path.
    @discardableResult
    package func save(_ bytes: [UInt8], version: Int, keep: Int) throws(CheckpointError) -> String {
        let target = file(version: version)
        try ModelFileStore.write(bytes, to: target)
        try prune(keep: keep)
        return target
    }

    /// The checkpoints present, newest version first.
    package func versions() throws(CheckpointError) -> [(version: Int, path: String)] {
        let names: [String]
        do {
            names = try SystemCalls.entryNames(ofDirectoryAt: path)
        } catch {
            throw .system(
                error, .manage, path: path, subject: path,
                remedy: "Check that \(path) exists and is readable by the daemon's user")
        }
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("model-v"), name.hasSuffix(".vwm") else { return nil }
            guard let version = Int(name.dropFirst(7).dropLast(4)), version >= 1 else { return nil }
            return (version, path + "/" + name)
        }.sorted { $0.0 > $1.0 }
    }

    /// Removes every checkpoint but the `keep` newest.
    package func prune(keep: Int) throws(CheckpointError) {
        for (_, file) in try versions().dropFirst(max(1, keep)) {
            do {
                try SystemCalls.unlink(file)
            } catch  where error.isNotFound {  // already gone
                continue
            } catch {
                throw .system(
                    error, .manage, path: path, subject: file,
                    remedy: "Check the permissions of \(path), or remove old checkpoints by hand")
            }
        }
    }
}
