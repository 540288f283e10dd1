/// What a line parser made of one line.
package enum LineOutcome {
    /// A record: its features were written; `missing` of them were missing.
    case record(missing: Int)
    /// A blank line, skipped and counted.
    case empty
    /// A bad line.
    case reject(Reject)
}

/// Checks shared by the CSV and JSON-lines parsers.
package enum LineChecks {
    /// A reject for invalid UTF-8 in `line`, or nil when it is valid.
    package static func invalidUTF8(_ line: UnsafeRawBufferPointer, source: String, number: Int) -> Reject? {
        guard let base = line.baseAddress,
            let offset = UTF8Validation.firstInvalidOffset(base.assumingMemoryBound(to: UInt8.self), count: line.count)
        else { return nil }
        let hex = String(line[offset], radix: 16, uppercase: true)
        return Reject(
            source: source, line: number,
            reason: "invalid UTF-8 at byte \(offset + 1) (0x\(line[offset] < 0x10 ? "0" : "")\(hex)); "
                + "the input must be UTF-8 text")
    }

    /// A reject for a byte-order mark that starts a line other than the first, or nil.
    static func strayByteOrderMark(_ line: UnsafeRawBufferPointer, source: String, number: Int) -> Reject? {
        guard line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF else { return nil }
        return Reject(
            source: source, line: number,
            reason: "a byte-order mark (U+FEFF) in the middle of the input; were two files concatenated?")
    }

    /// Whether a field that failed to parse as a number looks like text (a word starting with a letter, other
    /// than a spelling of NaN or infinity) rather than a malformed number, so that its column is probably not a
    /// feature.
    static func looksLikeText(_ field: UnsafeRawBufferPointer) -> Bool {
        guard let first = field.first else { return false }
        let isLetter = (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7A
        guard isLetter, UTF8Validation.firstInvalidOffset(Array(field)) == nil else { return false }
        let lowered = String(decoding: field, as: UTF8.self).lowercased()
        return !["nan", "inf", "infinity"].contains(lowered)
    }
}
