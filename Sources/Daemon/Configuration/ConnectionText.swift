/// Checks on `database.url`: passwords belong in a pgpass file or a systemd credential, never in the configuration
/// (RELIABILITY.md, "Decisions already taken").
enum ConnectionText {
    /// What is wrong when `text` holds a password (a `password=` keyword, or `user:secret@` in a URI); else nil.
    @Sendable static func passwordProblem(_ text: String) -> String? {
        let lower = text.lowercased()
        var holdsPassword = false
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            let rest = lower.drop(while: { $0 != "/" }).dropFirst(2)
            let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
            if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") { holdsPassword = true }
            if let query = rest.firstIndex(of: "?") {
                holdsPassword =
                    holdsPassword
                    || rest[query...].dropFirst().split(separator: "&").contains { $0.hasPrefix("password=") }
            }
        } else {
            var index = lower.startIndex
            while let range = lower[index...].firstRange(of: "password") {
                let before = range.lowerBound == lower.startIndex ? " " : lower[lower.index(before: range.lowerBound)]
                let after = lower[range.upperBound...].drop(while: { $0 == " " })
                if before.isWhitespace && after.hasPrefix("=") { holdsPassword = true }
                index = range.upperBound
            }
        }
        return holdsPassword
            ? "holds a password; keep it out of the configuration and use a pgpass file (PGPASSFILE, or "
                + "LoadCredential= in the unit) instead"
            : nil
    }
}
