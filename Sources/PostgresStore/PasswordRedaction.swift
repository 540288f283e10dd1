/// Hides the passwords a connection string may hold before it goes into a message. Messages quote connection
/// strings (a refused setting, libpq unable to parse one); none may repeat a password (RELIABILITY.md: passwords
/// never in the logs).
///
/// Hidden: the value of every keyword ending in `password` (conninfo `password=…` and `password = '…'`, `sslpassword`,
/// a URI's `?password=…`), and the password of a URI's user information (`postgresql://user:secret@host`). The text
/// may hold more than the connection string: a value ends where libpq's would (a closing quote, white space, and in
/// a URI's query `&` or `#`). Redacting twice changes nothing more.
package enum PasswordRedaction {
    /// What a password is replaced with.
    package static let mask = "***"

    /// `text` with every password in it replaced by ``mask``.
    package static func redacted(_ text: String) -> String {
        let characters = Array(text)
        var result = ""
        var index = 0
        while index < characters.count {
            if let (kept, end) = userInformation(characters, at: index) ?? keywordValue(characters, at: index) {
                result += kept + mask
                index = end
                continue
            }
            result.append(characters[index])
            index += 1
        }
        return result
    }

    /// At `://`: the text up to the password of the user information (`://user:`) and where the password ends
    /// (at the `@`); nil when there is no `user:password@` there. The user information is everything up to the
    /// first `@` before white space: a password with `/` or `?` in it is hidden too.
    private static func userInformation(_ characters: [Character], at start: Int) -> (String, Int)? {
        guard characters[start...].starts(with: "://") else { return nil }
        var index = start + 3
        var colon: Int?
        while index < characters.count, characters[index] != "@", !characters[index].isWhitespace {
            if characters[index] == ":" && colon == nil { colon = index }
            index += 1
        }
        guard index < characters.count, characters[index] == "@", let colon else { return nil }
        return (String(characters[start...colon]), index)
    }

    /// At `password`: the text up to its value (`password = `) and where the value ends; nil when no `=` follows.
    private static func keywordValue(_ characters: [Character], at start: Int) -> (String, Int)? {
        let keyword = "password"
        guard start + keyword.count <= characters.count,
            String(characters[start..<start + keyword.count]).lowercased() == keyword
        else { return nil }
        let inQuery = start > 0 && (characters[start - 1] == "?" || characters[start - 1] == "&")
        var index = start + keyword.count
        while index < characters.count, characters[index] == " " { index += 1 }
        guard index < characters.count, characters[index] == "=" else { return nil }
        index += 1
        while index < characters.count, characters[index] == " " { index += 1 }
        let valueStart = index
        if index < characters.count, characters[index] == "'" {
            // libpq's quoted value: up to the next quote that no backslash escapes.
            index += 1
            while index < characters.count, characters[index] != "'" {
                index += characters[index] == "\\" ? 2 : 1
            }
            index = min(index + 1, characters.count)
        } else {
            while index < characters.count, !characters[index].isWhitespace,
                !(inQuery && (characters[index] == "&" || characters[index] == "#"))
            {
                index += 1
            }
        }
        if characters[valueStart..<index].elementsEqual(mask) { return nil }
        return (String(characters[start..<valueStart]), index)
    }
}
