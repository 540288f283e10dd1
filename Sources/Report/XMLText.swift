/// Text made safe for XML content and attribute values.
enum XMLText {
    /// `text` with `&`, `<`, `>`, `"` and `'` escaped, and every character XML 1.0 forbids (control characters
    /// other than tab, line feed and carriage return; U+FFFE and U+FFFF) replaced by U+FFFD, so that any feature or
    /// source name leaves the document well-formed.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `text` cut to at most `limit` characters, the last of them `…` when it was cut.
    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit, limit >= 1 else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }
}
