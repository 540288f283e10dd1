internal import Glibc

/// The temporary files of ``OutputFile/replaceAtomically(_:at:permissions:durable:noun:)``:
/// `<base name>.tmp.<decimal pid>.<hex>`, beside the file they will replace.
package enum TemporaryFile {
    /// Creates `<path>.tmp.<pid>.<random hex>` exclusively, with mode `permissions`, for writing; returns its path and
    /// descriptor. Picks another name if one exists already. A failure carries `remedy`.
    package static func create(
        beside path: String, permissions: UInt32, remedy: String
    ) throws(SystemCallError) -> (path: String, descriptor: CInt) {
        let flags = O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC
        var attempts = 0
        while true {
            let temporary = "\(path).tmp.\(getpid()).\(String(UInt64.random(in: .min ... .max), radix: 16))"
            do {
                return (temporary, try SystemCalls.open(temporary, flags, permissions: permissions))
            } catch  where error.errno == EEXIST && attempts < 8 {
                attempts += 1
            } catch {
                throw error.advising(remedy)
            }
        }
    }

    /// Whether `name` has the form `<base>.tmp.<decimal pid>.<hex>`, with `<base>` equal to `baseName` if
    /// one is given and non-empty otherwise.
    package static func isTemporaryName(_ name: String, forBaseName baseName: String?) -> Bool {
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
}
