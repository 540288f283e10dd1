/// Where a CSV record ends when its fields may be quoted (RFC 4180): a newline inside a quoted field is
/// part of the field. A quote opens a field only as the field's first byte (after optional blanks), so a
/// stray quote inside an unquoted field cannot swallow the lines after it.
///
/// A quoted field that runs past the end of its line is accepted only if it closes, and the record then ends with
/// the expected field count (``CSVRecordShape``) within the byte bound. Otherwise the record is its first line
/// alone (rejected by the parser for its unclosed quote), and the next record starts at the next line: a stray
/// quote costs one line, never the lines after it.
enum CSVQuoting {
    /// Scans `base[from..<limit]` for the end of the record that starts at `from`.
    ///
    /// - Parameters:
    ///   - maximumBytes: the longest record accepted; a scan that reaches `from + maximumBytes + 2` has reached
    ///     the bound, and a record that crossed a line end and is not complete there ends at its first line.
    ///   - inputEndsAtLimit: no byte follows `limit`: the input ended there.
    ///   - shape: the records' field count and which fields may span lines; nil for any count and any field.
    static func recordEnd(
        _ base: UnsafePointer<UInt8>, from start: Int, limit: Int, maximumBytes: Int = .max,
        inputEndsAtLimit: Bool = false, shape: CSVRecordShape? = nil
    ) -> CSVRecordEnd {
        let quote = UInt8(ascii: "\"")
        var i = start
        var inQuotes = false
        var atFieldStart = true
        // Just past a closing quote: only blanks, a comma or the line end may follow.
        var afterClose = false
        var field = 0
        var innerNewlines = 0
        // The first line end passed inside quotes, once a quoted field has crossed one.
        var firstNewline: Int?
        // Text followed a closing quote: the record is bad, so a quoted field in it may not cross a line end.
        var malformed = false
        /// Whether a record crossing a line end, ending at `end` after `fields` fields, is plausible.
        func plausible(endingAt end: Int, fields: Int) -> Bool {
            guard shape.map({ fields == $0.fieldCount }) ?? true else { return false }
            let length = end - start
            return length <= maximumBytes || (length - 1 == maximumBytes && base[end - 1] == 0x0D)
        }
        while i < limit {
            let byte = base[i]
            if inQuotes {
                if byte == quote {
                    if i + 1 < limit, base[i + 1] == quote {
                        i += 2
                        continue
                    }
                    inQuotes = false
                    afterClose = true
                } else if byte == 0x0A {
                    if firstNewline == nil { firstNewline = i }
                    innerNewlines += 1
                    if malformed || shape.map({ !$0.mayCrossLineEnd(inField: field) }) == true {
                        return .firstLine(end: firstNewline!)
                    }
                }
                i += 1
                continue
            }
            switch byte {
            case 0x0A:
                if let firstNewline, !plausible(endingAt: i, fields: field + 1) {
                    return .firstLine(end: firstNewline)
                }
                return .record(end: i, innerNewlines: innerNewlines)
            case UInt8(ascii: ","):
                field += 1
                atFieldStart = true
                afterClose = false
                if let firstNewline, let shape, field >= shape.fieldCount { return .firstLine(end: firstNewline) }
                i += 1
                continue
            case UInt8(ascii: " "), 0x09:
                i += 1
                continue
            case 0x0D where afterClose && (i + 1 == limit || base[i + 1] == 0x0A):
                i += 1  // the line end's, after a closing quote
                continue
            case quote where atFieldStart:
                inQuotes = true
            default:
                if afterClose {
                    if let firstNewline { return .firstLine(end: firstNewline) }
                    malformed = true
                }
            }
            atFieldStart = false
            i += 1
        }
        if let firstNewline {
            if limit - start - 2 >= maximumBytes { return .firstLine(end: firstNewline) }
            if inputEndsAtLimit, inQuotes || !plausible(endingAt: limit, fields: field + 1) {
                return .firstLine(end: firstNewline)
            }
        }
        return .undecided(innerNewlines: innerNewlines, unclosedQuote: inQuotes)
    }
}

/// Where ``CSVQuoting/recordEnd(_:from:limit:maximumBytes:inputEndsAtLimit:shape:)`` found a record to end.
enum CSVRecordEnd: Equatable {
    /// The record ends at the newline at offset `end`, having passed `innerNewlines` newlines inside quotes.
    case record(end: Int, innerNewlines: Int)
    /// A quoted field ran past the end of the record's first line without making a plausible record: the record
    /// is that line alone, up to the newline at offset `end`.
    case firstLine(end: Int)
    /// The bytes scanned do not decide yet (or the record is the input's last, without a newline);
    /// `unclosedQuote` when a quoted field was open where the scan stopped.
    case undecided(innerNewlines: Int, unclosedQuote: Bool)
}
