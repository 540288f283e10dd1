/// Parses CSV lines (RFC 4180: comma separated, double-quoted fields with `""` for a quote) into feature rows.
///
/// Unquoted fields are trimmed of spaces and tabs. An empty field is a missing value. A line whose field count
/// differs from the header's is rejected whole.
package struct CSVLineParser {
    /// The input's name in rejects.
    let source: String
    /// Role of each column.
    let plan: ColumnPlan

    /// A parser of `source`'s lines by `plan`.
    package init(source: String, plan: ColumnPlan) {
        self.source = source
        self.plan = plan
    }

    /// Parses `line` into `features[0..<d]` and `observed[0..<d]`; stores the key field in `key` when the
    /// plan has a key column, and the record's time (seconds since 1970, ``TimestampParser``) in `time` when it
    /// has a time column (then `time` is needed, and a line without a valid time is rejected).
    package func parse(
        _ line: UnsafeRawBufferPointer, number: Int, features: UnsafeMutablePointer<Float>,
        observed: UnsafeMutablePointer<Float>, key: inout String?, time: UnsafeMutablePointer<Double>? = nil
    ) -> LineOutcome {
        if line.isEmpty { return .empty }
        // The line-level checks (UTF-8, a stray byte-order mark) run once, when the first field leaves the fast
        // path: a line that is nothing but plain numbers and commas is ASCII, so valid, by construction.
        var lineChecked = false
        func lineReject() -> Reject? {
            if lineChecked { return nil }
            lineChecked = true
            if let reject = LineChecks.invalidUTF8(line, source: source, number: number) { return reject }
            return number > 1 ? LineChecks.strayByteOrderMark(line, source: source, number: number) : nil
        }
        let bytes = line.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let count = line.count
        let slots = plan.slots
        var missing = 0
        var column = 0
        var position = 0
        while true {
            // One field: [fieldStart, fieldEnd) of content, then `position` at its delimiter (or the end);
            // fieldEnd is −1 when the fast path already stored the field's value.
            var fieldStart = position
            var fieldEnd: Int
            var quoted = false
            while fieldStart < count, bytes[fieldStart] == 0x20 || bytes[fieldStart] == 0x09 { fieldStart += 1 }
            if fieldStart < count, bytes[fieldStart] == 0x22 {
                if let reject = lineReject() { return .reject(reject) }
                quoted = true
                guard let close = Self.closingQuote(bytes, from: fieldStart + 1, count: count) else {
                    return .reject(reject(number, column, "a quoted field is not closed"))
                }
                fieldEnd = close
                position = close + 1
                while position < count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
                if position < count, bytes[position] != 0x2C {
                    return .reject(reject(number, column, "text after the closing quote"))
                }
                fieldStart += 1
            } else if column < slots.count, slots[column] >= 0,
                let (value, end) = Self.plainNumber(bytes, from: fieldStart, count: count)
            {
                // The common case, a plain number, read in the same pass that finds the field's end.
                features[Int(slots[column])] = value
                observed[Int(slots[column])] = 1
                position = end
                fieldEnd = -1
            } else {
                if let reject = lineReject() { return .reject(reject) }
                position = Self.nextComma(bytes, from: fieldStart, count: count)
                fieldEnd = position
                while fieldEnd > fieldStart, bytes[fieldEnd - 1] == 0x20 || bytes[fieldEnd - 1] == 0x09 {
                    fieldEnd -= 1
                }
            }
            if column < slots.count, fieldEnd >= 0 {
                let slot = slots[column]
                if slot >= 0 {
                    if fieldEnd == fieldStart {
                        features[Int(slot)] = 0
                        observed[Int(slot)] = 0
                        missing += 1
                    } else {
                        switch DecimalFloatParser.parse(bytes + fieldStart, count: fieldEnd - fieldStart) {
                        case .value(let value):
                            features[Int(slot)] = value
                            observed[Int(slot)] = 1
                        case .failure(let failure):
                            let text = UnsafeRawBufferPointer(start: bytes + fieldStart, count: fieldEnd - fieldStart)
                            var bad = reject(number, column, "\(failure.reason): \(Excerpt.quote(text))")
                            bad.isText = failure == .notANumber && LineChecks.looksLikeText(text)
                            return .reject(bad)
                        }
                    }
                } else if slot == ColumnPlan.keySlot {
                    let text = UnsafeRawBufferPointer(start: bytes + fieldStart, count: fieldEnd - fieldStart)
                    key = quoted ? Self.unescaped(text) : String(decoding: text, as: UTF8.self)
                } else if slot == ColumnPlan.timeSlot {
                    switch TimestampParser.parse(bytes + fieldStart, count: fieldEnd - fieldStart) {
                    case .success(let seconds): time!.pointee = seconds
                    case .failure(let failure):
                        let text = UnsafeRawBufferPointer(start: bytes + fieldStart, count: fieldEnd - fieldStart)
                        let quote = failure == .empty ? "" : ": \(Excerpt.quote(text))"
                        return .reject(reject(number, column, failure.reason + quote))
                    }
                }
            }
            column += 1
            if position >= count { break }
            position += 1  // past the comma
            if position == count {
                column += 1  // a trailing comma ends an empty last field
                if column <= slots.count, slots[column - 1] >= 0 {
                    features[Int(slots[column - 1])] = 0
                    observed[Int(slots[column - 1])] = 0
                    missing += 1
                }
                if column == slots.count, slots[column - 1] == ColumnPlan.timeSlot {
                    return .reject(reject(number, column - 1, TimestampParser.Failure.empty.reason))
                }
                break
            }
        }
        guard column == slots.count else {
            if let reject = lineReject() { return .reject(reject) }
            return .reject(
                Reject(
                    source: source, line: number,
                    reason: "\(Counted.text(column, "field")) where the header has \(slots.count)"))
        }
        return .record(missing: missing)
    }

    /// A plain number (`-`, digits, at most one point) that ends at a comma or the end of the line, and the
    /// offset where it ends; nil for anything else (spaces, exponents, empty, bad), which the general path
    /// then parses and classifies.
    @inline(__always)
    static func plainNumber(_ bytes: UnsafePointer<UInt8>, from start: Int, count: Int) -> (Float, Int)? {
        let negative = start < count && bytes[start] == UInt8(ascii: "-")
        guard
            let (value, end) = DecimalFloatParser.plainPrefix(bytes, from: negative ? start &+ 1 : start, count: count),
            end == count || bytes[end] == UInt8(ascii: ",")
        else { return nil }
        return (negative ? -value : value, end)
    }

    /// The offset of the first comma at or after `from`, or `count`; eight bytes at a time (SWAR), with the
    /// byte loop as the reference for the tail.
    @inline(__always)
    package static func nextComma(_ bytes: UnsafePointer<UInt8>, from: Int, count: Int) -> Int {
        var position = from
        while count &- position >= 8 {
            let word = UnsafeRawPointer(bytes + position).loadUnaligned(as: UInt64.self)
            let commas = word ^ 0x2C2C_2C2C_2C2C_2C2C  // a zero byte where there is a comma
            let found = (commas &- 0x0101_0101_0101_0101) & ~commas & 0x8080_8080_8080_8080
            if found != 0 { return position &+ UInt64(littleEndian: found).trailingZeroBitCount / 8 }
            position &+= 8
        }
        while position < count, bytes[position] != 0x2C { position &+= 1 }
        return position
    }

    /// A reject located at `column` (0-based).
    private func reject(_ number: Int, _ column: Int, _ reason: String) -> Reject {
        Reject(
            source: source, line: number, field: column + 1,
            column: column < plan.inputNames.count ? plan.inputNames[column] : nil, reason: reason)
    }

    /// The offset of the quote that closes a quoted field whose content starts at `from`, skipping `""`.
    package static func closingQuote(_ bytes: UnsafePointer<UInt8>, from: Int, count: Int) -> Int? {
        var i = from
        while i < count {
            if bytes[i] == 0x22 {
                if i + 1 < count, bytes[i + 1] == 0x22 {
                    i += 2
                    continue
                }
                return i
            }
            i += 1
        }
        return nil
    }

    /// The content of a quoted field with each `""` turned into `"`.
    package static func unescaped(_ text: UnsafeRawBufferPointer) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            bytes.append(text[i])
            i += text[i] == 0x22 && i + 1 < text.count && text[i + 1] == 0x22 ? 2 : 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The column names of a header line.
    package static func header(_ line: UnsafeRawBufferPointer, source: String) throws(RecordIOError) -> [String] {
        if let reject = LineChecks.invalidUTF8(line, source: source, number: 1) {
            throw RecordIOError(.data, reject.message)
        }
        guard !line.isEmpty else {
            throw RecordIOError(
                .data, "\(source):1: the header line is empty; CSV input needs a header of column names")
        }
        let names: [String]
        switch fields(line) {
        case .success(let split): names = split
        case .failure(.unclosedQuote(let field)):
            throw RecordIOError(.data, "\(source):1: header field \(field): a quoted name is not closed")
        case .failure(.textAfterQuote(let field)):
            throw RecordIOError(.data, "\(source):1: header field \(field): text after the closing quote")
        }
        if let blank = names.firstIndex(of: "") {
            throw RecordIOError(
                .data, "\(source):1: header field \(blank + 1) has no name; every column needs a name")
        }
        return names
    }

    /// Why a line did not split into fields; each case holds the 1-based field at fault.
    package enum FieldError: Error, Equatable {
        /// A quoted field is not closed on the line.
        case unclosedQuote(Int)
        /// Text follows a field's closing quote.
        case textAfterQuote(Int)
    }

    /// The fields of one line as text: unquoted fields trimmed of spaces and tabs, quoted ones unescaped. The
    /// slow, general form of what ``parse(_:number:features:observed:key:)`` does, for a header and a look ahead.
    package static func fields(_ line: UnsafeRawBufferPointer) -> Result<[String], FieldError> {
        var fields: [String] = []
        let error = forEachField(line) { raw, quoted in
            fields.append(quoted ? unescaped(raw) : String(decoding: raw, as: UTF8.self))
        }
        return error.map { .failure($0) } ?? .success(fields)
    }

    /// Calls `body` with each field of `line` in order, without allocating: an unquoted field's bytes trimmed of
    /// spaces and tabs, or a quoted field's bytes between its quotes, still escaped (`""`; see ``unescaped(_:)``),
    /// and whether it was quoted. Returns why the line does not split, after the fields before the fault.
    package static func forEachField(
        _ line: UnsafeRawBufferPointer, _ body: (_ field: UnsafeRawBufferPointer, _ quoted: Bool) -> Void
    ) -> FieldError? {
        guard let base = line.baseAddress else {
            body(line, false)
            return nil
        }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        var count = 0
        var position = 0
        while true {
            var start = position
            while start < line.count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            if start < line.count, bytes[start] == 0x22 {
                guard let close = closingQuote(bytes, from: start + 1, count: line.count) else {
                    return .unclosedQuote(count + 1)
                }
                body(UnsafeRawBufferPointer(rebasing: line[(start + 1)..<close]), true)
                count += 1
                position = close + 1
                while position < line.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
                if position < line.count, bytes[position] != 0x2C { return .textAfterQuote(count) }
            } else {
                position = start
                while position < line.count, bytes[position] != 0x2C { position += 1 }
                var end = position
                while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
                body(UnsafeRawBufferPointer(rebasing: line[start..<end]), false)
                count += 1
            }
            if position >= line.count { break }
            position += 1
            if position == line.count {
                body(UnsafeRawBufferPointer(rebasing: line[position..<position]), false)  // a trailing comma
                break
            }
        }
        return nil
    }
}
