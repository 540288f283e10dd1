internal import Glibc

/// Parses JSON lines, one object per line, into feature rows. A feature's value is a number or `null`
/// (missing); a feature absent from an object is missing too. Keys that are neither features nor the key
/// may hold any JSON value. Duplicate keys, other types and invalid JSON reject the line.
package struct JSONLineParser {
    /// The input's name in rejects.
    let source: String
    /// Role of each known key (``ColumnPlan/inputNames`` are the keys).
    let plan: ColumnPlan
    /// With `strict`, a blank line is a reject rather than skipped.
    let strict: Bool
    /// The keys' UTF-8 bytes, by input column.
    private let names: [[UInt8]]
    /// Input column of each key.
    private let columnOfName: [[UInt8]: Int]

    package init(source: String, plan: ColumnPlan, strict: Bool) {
        self.source = source
        self.plan = plan
        self.strict = strict
        names = plan.inputNames.map { Array($0.utf8) }
        columnOfName = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses `line` into `features[0..<d]` and `observed[0..<d]`; stores the key in `key` when the plan has
    /// a key column, and the record's time (seconds since 1970, from a string such as `"2030-02-03T04:05:06Z"` or a
    /// number of seconds; ``TimestampParser``) in `time` when it has a time column (then `time` is needed, and an
    /// object without a valid time is rejected).
    package func parse(
        _ line: UnsafeRawBufferPointer, number: Int, features: UnsafeMutablePointer<Float>,
        observed: UnsafeMutablePointer<Float>, key: inout String?, time: UnsafeMutablePointer<Double>? = nil
    ) -> LineOutcome {
        if Self.isBlank(line) {
            return strict ? .reject(Reject(source: source, line: number, reason: "a blank line")) : .empty
        }
        if let reject = LineChecks.invalidUTF8(line, source: source, number: number) { return .reject(reject) }
        let d = plan.featureNames.count
        features.update(repeating: 0, count: d)
        observed.update(repeating: 0, count: d)
        let columns = plan.slots.count
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: columns) { seen in
            seen.initialize(repeating: false)
            var scanner = JSONScanner(line)
            var unknownKeys: [Range<Int>] = []
            var observedCount = 0
            do throws(JSONScanner.SyntaxError) {
                let stop = try scanner.walkLineObject {
                    (scanner, range, escaped, memberIndex) throws(JSONScanner.SyntaxError) -> Reject? in
                    guard let column = self.column(of: range, escaped: escaped, hint: memberIndex, in: scanner) else {
                        let name = scanner.decodedString(range, escaped: escaped)
                        if name == ReservedNames.verdict {
                            return reject(number, name, ReservedNames.verdictReason)
                        }
                        let text = UnsafeRawBufferPointer(start: scanner.bytes + range.lowerBound, count: range.count)
                        if unknownKeys.contains(where: {
                            $0.count == range.count
                                && memcmp(scanner.bytes + $0.lowerBound, text.baseAddress!, range.count) == 0
                        }) {
                            return reject(number, name, "the key appears twice")
                        }
                        unknownKeys.append(range)
                        try scanner.skipValue()
                        return nil
                    }
                    if seen[column] { return reject(number, plan.inputNames[column], "the key appears twice") }
                    seen[column] = true
                    let slot = plan.slots[column]
                    if slot >= 0 {
                        switch try value(&scanner, into: features + Int(slot)) {
                        case .success(true):
                            observed[Int(slot)] = 1
                            observedCount += 1
                        case .success(false): break
                        case .failure(let reason):
                            var bad = reject(number, plan.inputNames[column], reason)
                            bad.isText = reason.isText
                            return bad
                        }
                    } else if slot == ColumnPlan.keySlot {
                        switch try keyValue(&scanner) {
                        case .success(let text): key = text
                        case .failure(let reason): return reject(number, plan.inputNames[column], reason)
                        }
                    } else if slot == ColumnPlan.timeSlot {
                        switch try timeValue(&scanner) {
                        case .success(let seconds): time!.pointee = seconds
                        case .failure(let reason): return reject(number, plan.inputNames[column], reason)
                        }
                    } else {
                        try scanner.skipValue()
                    }
                    return nil
                }
                if let stop { return .reject(stop) }
            } catch {
                return .reject(syntaxReject(number, error, line))
            }
            if let column = plan.slots.firstIndex(of: ColumnPlan.timeSlot), !seen[column] {
                return .reject(
                    reject(number, plan.inputNames[column], "no time (the key is missing); every record needs its time")
                )
            }
            return .record(missing: d - observedCount)
        }
    }

    /// The input column of the key `range`; `hint` is its position in the object, tried first since objects
    /// usually list their keys in the same order.
    private func column(of range: Range<Int>, escaped: Bool, hint: Int, in scanner: JSONScanner) -> Int? {
        let start = scanner.bytes + range.lowerBound
        if !escaped, hint < names.count, names[hint].count == range.count,
            names[hint].withUnsafeBufferPointer({ memcmp($0.baseAddress!, start, range.count) == 0 })
        {
            return hint
        }
        if escaped { return columnOfName[Array(scanner.decodedString(range, escaped: true).utf8)] }
        return columnOfName[Array(UnsafeBufferPointer(start: start, count: range.count))]
    }

    /// Reads a feature value: true when a number was stored, false for `null`, a reason for anything else.
    private func value(
        _ scanner: inout JSONScanner, into target: UnsafeMutablePointer<Float>
    ) throws(JSONScanner.SyntaxError) -> Result<Bool, ValueError> {
        let kind = try scanner.peekKind()
        switch kind {
        case .null:
            try scanner.literal("null")
            return .success(false)
        case .number:
            let range = try scanner.number()
            switch DecimalFloatParser.parse(scanner.bytes + range.lowerBound, count: range.count) {
            case .value(let value):
                target.pointee = value
                return .success(true)
            case .failure(let failure):
                let text = UnsafeRawBufferPointer(start: scanner.bytes + range.lowerBound, count: range.count)
                return .failure(ValueError("\(failure.reason): \(Excerpt.quote(text))"))
            }
        default:
            let start = scanner.position
            try scanner.skipValue()
            let text = UnsafeRawBufferPointer(start: scanner.bytes + start, count: scanner.position - start)
            return .failure(
                ValueError(
                    "expected a number or null, found \(kind.phrase) \(Excerpt.quote(text))",
                    isText: kind == .string || kind == .bool))
        }
    }

    /// Reads the key's value: a string or a number, as text.
    private func keyValue(_ scanner: inout JSONScanner) throws(JSONScanner.SyntaxError) -> Result<String, ValueError> {
        switch try scanner.peekKind() {
        case .string:
            let (range, escaped) = try scanner.string()
            return .success(scanner.decodedString(range, escaped: escaped))
        case .number:
            let range = try scanner.number()
            return .success(scanner.decodedString(range, escaped: false))
        case let kind:
            try scanner.skipValue()
            return .failure(ValueError("the key must be a string or a number, found \(kind.phrase)"))
        }
    }

    /// Reads the time column's value: a string holding a date and time, or a number of seconds since 1970.
    private func timeValue(_ scanner: inout JSONScanner) throws(JSONScanner.SyntaxError) -> Result<Double, ValueError> {
        let kind = try scanner.peekKind()
        let parsed: Result<Double, TimestampParser.Failure>
        let start = scanner.position
        switch kind {
        case .string:
            let (range, escaped) = try scanner.string()
            if escaped {
                var text = scanner.decodedString(range, escaped: true)
                parsed = text.withUTF8 { TimestampParser.parse(UnsafeRawBufferPointer($0)) }
            } else {
                parsed = TimestampParser.parse(scanner.bytes + range.lowerBound, count: range.count)
            }
        case .number:
            let range = try scanner.number()
            parsed = TimestampParser.parse(scanner.bytes + range.lowerBound, count: range.count)
        case .null:
            try scanner.literal("null")
            return .failure(ValueError("no time (null); every record needs its time"))
        default:
            try scanner.skipValue()
            let text = UnsafeRawBufferPointer(start: scanner.bytes + start, count: scanner.position - start)
            return .failure(
                ValueError("expected a time (a string or a number), found \(kind.phrase) \(Excerpt.quote(text))"))
        }
        switch parsed {
        case .success(let seconds): return .success(seconds)
        case .failure(let failure):
            let text = UnsafeRawBufferPointer(start: scanner.bytes + start, count: scanner.position - start)
            return .failure(ValueError(failure.reason + (failure == .empty ? "" : ": \(Excerpt.quote(text))")))
        }
    }

    /// A reason a value was refused.
    struct ValueError: Error {
        var reason: String
        /// The value was a string or a boolean: its key is probably not a feature.
        var isText = false
        init(_ reason: String, isText: Bool = false) {
            self.reason = reason
            self.isText = isText
        }
    }

    private func reject(_ number: Int, _ key: String, _ reason: ValueError) -> Reject {
        reject(number, key, reason.reason)
    }

    private func reject(_ number: Int, _ key: String, _ reason: String) -> Reject {
        Reject(source: source, line: number, column: key, reason: reason)
    }

    private func syntaxReject(_ number: Int, _ error: JSONScanner.SyntaxError, _ line: UnsafeRawBufferPointer)
        -> Reject
    {
        let found =
            error.offset < line.count
            ? "found \(Excerpt.quote(UnsafeRawBufferPointer(rebasing: line[error.offset...])))"
            : "found the end of the line"
        return Reject(
            source: source, line: number,
            reason: "not valid JSON at byte \(error.offset + 1): expected \(error.expected), \(found)")
    }

    package static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    /// The keys of the object on `line`, to choose the columns of a JSON-lines input from its first object; a reject when the line is not a valid JSON object.
    package static func keys(of line: UnsafeRawBufferPointer, source: String, number: Int) -> Result<[String], Reject> {
        if let reject = LineChecks.invalidUTF8(line, source: source, number: number) { return .failure(reject) }
        var scanner = JSONScanner(line)
        var keys: [String] = []
        do throws(JSONScanner.SyntaxError) {
            let stop = try scanner.walkLineObject {
                (scanner, range, escaped, _) throws(JSONScanner.SyntaxError) -> Reject? in
                try scanner.skipValue()
                let name = scanner.decodedString(range, escaped: escaped)
                if name == ReservedNames.verdict {
                    return Reject(source: source, line: number, column: name, reason: ReservedNames.verdictReason)
                }
                if !keys.contains(name) { keys.append(name) }
                return nil
            }
            if let stop { return .failure(stop) }
        } catch {
            let parser = JSONLineParser(
                source: source, plan: ColumnPlan(slots: [], inputNames: [], featureNames: [], unusedColumns: []),
                strict: false)
            return .failure(parser.syntaxReject(number, error, line))
        }
        return .success(keys)
    }
}
