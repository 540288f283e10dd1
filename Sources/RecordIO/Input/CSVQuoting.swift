/// Where a CSV record ends when its fields may be quoted (RFC 4180): a newline inside a quoted field is
/// part of the field. A quote opens a field only as the field's first byte (after optional spaces), so a
/// stray quote inside an unquoted field cannot swallow the lines after it.
enum CSVQuoting {
    /// Scans `base[from..<limit]`; returns the offset of the record's closing newline (nil if not reached),
    /// the newlines passed inside quotes, and whether a quoted field was open at the end of the scan.
    static func recordEnd(
        _ base: UnsafePointer<UInt8>, from start: Int, limit: Int
    ) -> (end: Int?, innerNewlines: Int, unclosedQuote: Bool) {
        var i = start
        var inQuotes = false
        var atFieldStart = true
        var innerNewlines = 0
        while i < limit {
            let byte = base[i]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if i + 1 < limit, base[i + 1] == UInt8(ascii: "\"") {
                        i += 2
                        continue
                    }
                    inQuotes = false
                } else if byte == 0x0A {
                    innerNewlines += 1
                }
            } else {
                switch byte {
                case 0x0A: return (i, innerNewlines, false)
                case UInt8(ascii: "\""): if atFieldStart { inQuotes = true }
                case UInt8(ascii: ","): atFieldStart = true; i += 1; continue
                case UInt8(ascii: " "): i += 1; continue
                default: break
                }
                atFieldStart = false
            }
            i += 1
        }
        return (nil, innerNewlines, inQuotes)
    }
}
