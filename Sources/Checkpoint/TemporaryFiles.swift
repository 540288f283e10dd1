internal import SystemIO

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
    package static func removeStaleTemporaryFiles(
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
        for name in names where TemporaryFile.isTemporaryName(name, forBaseName: baseName) {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            do {
                guard try SystemCalls.isRegularFile(path) else { continue }
                try SystemCalls.unlink(path)
                removed += 1
            } catch  where error.isNotFound {
                continue  // Removed by someone else meanwhile.
            } catch {
                throw .system(error, .cleanUp, path: directory, subject: path, remedy: remedy)
            }
        }
        return removed
    }
}
