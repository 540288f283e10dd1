/// A line that could not become a record, and why. Rejects are reported and counted; the stream goes on.
package struct Reject: Error, Sendable, Equatable {
    /// The input's name: a path, or `<stdin>`.
    package var source: String
    /// 1-based line number.
    package var line: Int
    /// 1-based field position (CSV) when one field is at fault.
    package var field: Int?
    /// Name of the column (CSV header, JSON key) when one field is at fault.
    package var column: String?
    /// What is wrong, e.g. `not a number: "abc"`.
    package var reason: String
    /// Whether the field at fault holds text (a word, not a malformed number): a hint that its column is not a
    /// feature at all.
    package var isText = false

    /// Creates a reject.
    package init(source: String, line: Int, field: Int? = nil, column: String? = nil, reason: String) {
        self.source = source
        self.line = line
        self.field = field
        self.column = column
        self.reason = reason
    }

    /// `source:line: field 3 (cpu): reason`, the form compilers use, so editors can jump to it.
    package var message: String {
        var text = "\(source):\(line): "
        switch (field, column) {
        case (let field?, let column?): text += "field \(field) (\(column)): "
        case (let field?, nil): text += "field \(field): "
        case (nil, let column?): text += "field \(column): "
        case (nil, nil): break
        }
        return text + reason
    }
}

/// Short, printable quotations of input bytes for reject messages.
package enum Excerpt {
    /// Longest quotation, in bytes of input.
    static let limit = 40

    /// The bytes in double quotes, escaped like a Swift string literal, cut after ``limit`` bytes; bytes that
    /// are not valid UTF-8 appear as `\xFF`.
    package static func quote(_ bytes: UnsafeRawBufferPointer) -> String {
        let cut = bytes.count > limit
        let shown = UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, limit)])
        var text = ""
        if let valid = String(validating: shown, as: UTF8.self) {
            text = String(valid.debugDescription.dropFirst().dropLast())
        } else {
            for byte in shown {
                if byte >= 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C {
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    let hex = String(byte, radix: 16, uppercase: true)
                    text += "\\x" + (byte < 0x10 ? "0" : "") + hex
                }
            }
        }
        return "\"" + text + (cut ? "…" : "") + "\""
    }
}
