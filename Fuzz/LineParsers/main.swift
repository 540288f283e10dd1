// A libFuzzer target for the CSV and JSON-lines parsers. It is compiled together with the sources of RecordParsing
// into one module (see scripts/fuzz), so it can call their internal API.
//
// An input is a mode byte and one line: the byte chooses the parser (its value modulo 3: 0, e.g. "H", the CSV
// header parser; 1, e.g. "C", the CSV record parser; 2, e.g. "J", the JSON-lines parsers), and every line also
// goes through the CSV record boundary scan and, as a stream after a fixed header, through the line reader, where
// every line must be answered or rejected. One parser per input keeps each run cheap.
// A broken invariant calls fatalError, which libFuzzer reports as a crash with the input that caused it.

internal import Glibc

/// The fixed columns every input is parsed against: `a`, `key` (the record key), `b`, `note` (ignored) and
/// `c`; the features are `a`, `b` and `c`.
enum LineParsersFuzz {
    static let names = ["a", "key", "b", "note", "c"]
    static let plan: ColumnPlan = {
        do {
            return try ColumnPlan.resolve(
                inputNames: names, selection: ColumnSelection(key: "key", ignored: ["note"]), modelFeatures: nil,
                source: "fuzz")
        } catch {
            fatalError("the fuzz plan does not resolve: \(error)")
        }
    }()
    static let csv = CSVLineParser(source: "fuzz", plan: plan)
    static let json = JSONLineParser(source: "fuzz", plan: plan, strict: false)
    static let strictJSON = JSONLineParser(source: "fuzz", plan: plan, strict: true)
    static var width: Int { plan.featureNames.count }
    static let shape = CSVRecordShape(plan: plan)

    /// A parsed row: its values, observed flags and key.
    struct Row {
        var features: [Float]
        var observed: [Float]
        var key: String?
        var missing: Int
    }

    /// Parses `line` with `parse`; nil unless the line is a record. Unwritten slots are left NaN, so that
    /// ``check(_:_:)`` notices them.
    static func record(
        _ line: UnsafeRawBufferPointer,
        _ parse: (UnsafeRawBufferPointer, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, inout String?)
            -> LineOutcome
    ) -> Row? {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * width) { buffer in
            buffer.initialize(repeating: .nan)
            var key: String?
            let outcome = parse(line, buffer.baseAddress!, buffer.baseAddress! + width, &key)
            guard case .record(let missing) = outcome else { return nil }
            return Row(
                features: Array(buffer[0..<width]), observed: Array(buffer[width...]), key: key, missing: missing)
        }
    }

    /// Checks what every accepted row must satisfy: observed values are finite, missing ones are 0 and
    /// counted.
    static func check(_ row: Row, _ what: String) {
        var missing = 0
        for j in 0..<width {
            if row.observed[j] == 1 {
                guard row.features[j].isFinite else { fatalError("\(what): slot \(j) is \(row.features[j])") }
            } else {
                guard row.observed[j] == 0, row.features[j] == 0 else {
                    fatalError("\(what): slot \(j) observed \(row.observed[j]) value \(row.features[j])")
                }
                missing += 1
            }
        }
        guard missing == row.missing else { fatalError("\(what): \(row.missing) missing counted, \(missing) seen") }
    }

    /// Whether two rows hold the same values bit for bit and the same key.
    static func same(_ a: Row, _ b: Row) -> Bool {
        a.observed == b.observed && a.key == b.key && a.missing == b.missing
            && zip(a.features, b.features).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    /// `row` as a CSV line in the plan's column order.
    static func csvLine(_ row: Row) -> [UInt8] {
        var out: [UInt8] = []
        for (column, slot) in plan.slots.enumerated() {
            if column > 0 { out.append(UInt8(ascii: ",")) }
            if slot >= 0, row.observed[Int(slot)] == 1 {
                appendNumber(row.features[Int(slot)], to: &out)
            } else if slot == ColumnPlan.keySlot, let key = row.key {
                out.append(UInt8(ascii: "\""))
                for byte in key.utf8 {
                    if byte == UInt8(ascii: "\"") { out.append(byte) }
                    out.append(byte)
                }
                out.append(UInt8(ascii: "\""))
            }
        }
        return out
    }

    /// `row` as a JSON object; missing values alternate between `null` and an absent key.
    static func jsonLine(_ row: Row) -> [UInt8] {
        var out: [UInt8] = Array("{".utf8)
        var first = true
        for (column, slot) in plan.slots.enumerated() {
            var value: [UInt8]
            if slot >= 0 {
                if row.observed[Int(slot)] == 1 {
                    value = []
                    appendNumber(row.features[Int(slot)], to: &value)
                } else if slot % 2 == 0 {
                    value = Array("null".utf8)
                } else {
                    continue
                }
            } else if slot == ColumnPlan.keySlot, let key = row.key {
                value = jsonString(key)
            } else {
                continue
            }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out += jsonString(names[column]) + [UInt8(ascii: ":")] + value
        }
        return out + Array("}".utf8)
    }

    static func appendNumber(_ value: Float, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: FloatFormatter.maximumLength) { buffer in
            let count = FloatFormatter.write(value, to: buffer.baseAddress!)
            out += buffer[0..<count]
        }
    }

    static func jsonString(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case ..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        return out + [UInt8(ascii: "\"")]
    }

    /// Parses `bytes` as `format` ("CSV" or "JSON"); stops the process unless that gives `row`.
    static func reparse(_ bytes: [UInt8], as format: String, expecting row: Row) {
        let again = bytes.withUnsafeBytes { line in
            format == "CSV"
                ? record(line) { csv.parse($0, number: 2, features: $1, observed: $2, key: &$3) }
                : record(line) { json.parse($0, number: 2, features: $1, observed: $2, key: &$3) }
        }
        guard let again, same(again, row) else {
            fatalError(
                "\(format) round trip: \(String(decoding: bytes, as: UTF8.self)) gave \(String(describing: again)), "
                    + "expected \(row)")
        }
    }

    /// Runs the parsers that `mode` selects on `line`: 0 the header parser, 1 the CSV record parser, 2 the
    /// JSON-lines parsers. The CSV record boundary scan runs on every input.
    static func run(mode: UInt8, _ line: UnsafeRawBufferPointer) {
        checkRecordEnd(line)
        checkStream(line)
        checkTimestamp(line)
        switch mode % 3 {
        case 0: checkHeader(line)
        case 1: checkCSV(line)
        default: checkJSON(line)
        }
    }

    /// `TimestampParser` (a `--time-column` field) accepts only finite times within its range.
    static func checkTimestamp(_ line: UnsafeRawBufferPointer) {
        guard case .success(let seconds) = TimestampParser.parse(line) else { return }
        guard seconds.isFinite, seconds >= TimestampParser.earliest, seconds < TimestampParser.latest else {
            fatalError("TimestampParser: \(seconds) from \(Array(line))")
        }
    }

    /// `CSVQuoting.recordEnd` stops at a newline outside quotes and counts the ones inside; a record it lets run
    /// across a line end has the plan's field count.
    static func checkRecordEnd(_ line: UnsafeRawBufferPointer) {
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        switch CSVQuoting.recordEnd(base, from: 0, limit: line.count, shape: shape) {
        case .record(let end, let inner):
            guard end < line.count, base[end] == 0x0A else { fatalError("recordEnd: bad end \(end)") }
            let newlines = line[0..<end].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            guard inner == newlines else { fatalError("recordEnd: \(inner) inner newlines, \(newlines) passed") }
            if inner > 0, referenceFieldCount(UnsafeRawBufferPointer(rebasing: line[0..<end])) != plan.slots.count {
                fatalError("recordEnd: a record across lines with the wrong field count: \(Array(line[0..<end]))")
            }
        case .firstLine(let end):
            guard end < line.count, base[end] == 0x0A, !line[0..<end].contains(0x0A) else {
                fatalError("recordEnd: first line ends at \(end)")
            }
        case .undecided(let inner, _):
            let newlines = line.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            guard inner == newlines else { fatalError("recordEnd: \(inner) inner newlines, \(newlines) seen") }
        }
    }

    /// The field count of a record by the reference reading, nil when it does not read.
    static func referenceFieldCount(_ record: UnsafeRawBufferPointer) -> Int? {
        var bytes = Array(record)
        if bytes.last == 0x0D { bytes.removeLast() }
        return bytes.withUnsafeBytes { referenceFields($0)?.count }
    }

    /// Every line of a stream is answered, rejected or a counted blank line: the stream is the fixed header and
    /// `input`, read by a ``LineReader`` with a short line limit; the records it hands out (and the lines it drops
    /// for length) follow each other line after line, each parsed once, and end with the stream's last line. A
    /// record that runs across lines has the header's field count.
    static func checkStream(_ input: UnsafeRawBufferPointer) {
        let stream = Array((names.joined(separator: ",") + "\n").utf8) + Array(input)
        var ends: [CInt] = [0, 0]
        guard pipe(&ends) == 0 else { fatalError("pipe: errno \(errno)") }
        defer { close(ends[0]) }
        let written = stream.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        close(ends[1])
        guard written == stream.count else { fatalError("pipe: wrote \(written) of \(stream.count) bytes") }
        let reader = LineReader(
            descriptor: ends[0], source: "fuzz", maximumLineBytes: 24, blockBytes: 16, quotedNewlines: true)
        reader.recordShape = shape
        var nextLine = 1
        do {
            while let batch = try reader.next() {
                var records: [(number: Int, lines: Int)] = batch.oversize.map { ($0.number, 1) }
                for span in batch.lines {
                    let bytes = batch.bytes(of: span)
                    let inner = bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                    if inner > 0, referenceFieldCount(bytes) != plan.slots.count {
                        fatalError("stream: line \(span.number) runs across lines with the wrong field count")
                    }
                    if span.number > 1 {
                        // A record, a blank line or a reject: one outcome, whichever it is.
                        _ = withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * width) { buffer in
                            var key: String?
                            return csv.parse(
                                bytes, number: span.number, features: buffer.baseAddress!,
                                observed: buffer.baseAddress! + width, key: &key)
                        }
                    }
                    records.append((span.number, 1 + inner))
                }
                for record in records.sorted(by: { $0.number < $1.number }) {
                    guard record.number == nextLine else {
                        fatalError("stream: a record starts on line \(record.number), expected \(nextLine)")
                    }
                    nextLine += record.lines
                }
            }
        } catch {
            fatalError("stream: \(error)")
        }
        let lines = stream.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } + (stream.last == 0x0A ? 0 : 1)
        guard nextLine - 1 == lines else {
            fatalError("stream: the records cover \(nextLine - 1) of its \(lines) lines: \(stream)")
        }
    }

    /// Header names are never empty; columns resolved from them are all features.
    static func checkHeader(_ line: UnsafeRawBufferPointer) {
        guard let header = try? CSVLineParser.header(line, source: "fuzz") else { return }
        guard !header.isEmpty, !header.contains("") else { fatalError("header: \(header)") }
        guard
            let plan = try? ColumnPlan.resolve(
                inputNames: header, selection: ColumnSelection(), modelFeatures: nil, source: "fuzz")
        else { return }
        guard plan.slots.count == header.count, plan.featureNames.count == header.count else {
            fatalError("resolve: \(plan) for \(header)")
        }
    }

    /// The fields of a CSV record, by the simplest reading of RFC 4180: each field's content, unquoted or
    /// trimmed; nil when a quote is not closed or text follows it.
    static func referenceFields(_ line: UnsafeRawBufferPointer) -> [ArraySlice<UInt8>]? {
        let bytes = Array(line)
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var fields: [ArraySlice<UInt8>] = []
        var i = 0
        while true {
            while i < bytes.count, isBlank(bytes[i]) { i += 1 }
            if i < bytes.count, bytes[i] == 0x22 {
                var content: [UInt8] = []
                i += 1
                while true {
                    guard i < bytes.count else { return nil }
                    if bytes[i] == 0x22 {
                        if i + 1 < bytes.count, bytes[i + 1] == 0x22 {
                            content.append(0x22)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    content.append(bytes[i])
                    i += 1
                }
                while i < bytes.count, isBlank(bytes[i]) { i += 1 }
                guard i == bytes.count || bytes[i] == 0x2C else { return nil }
                fields.append(content[...])
            } else {
                var end = i
                while end < bytes.count, bytes[end] != 0x2C { end += 1 }
                var last = end
                while last > i, isBlank(bytes[last - 1]) { last -= 1 }
                fields.append(bytes[i..<last])
                i = end
            }
            if i == bytes.count { return fields }
            i += 1  // past the comma
        }
    }

    /// An accepted CSV row holds what the reference reading of its fields and `DecimalFloatParser` give,
    /// finite values only, and reads back the same from CSV and JSON made of it.
    static func checkCSV(_ line: UnsafeRawBufferPointer) {
        guard let row = record(line, { csv.parse($0, number: 2, features: $1, observed: $2, key: &$3) }) else {
            return
        }
        check(row, "CSV")
        guard let fields = referenceFields(line), fields.count == plan.slots.count else {
            fatalError("CSV: accepted \(Array(line)), whose fields are \(String(describing: referenceFields(line)))")
        }
        for (column, slot) in plan.slots.enumerated() {
            let content = fields[column]
            if slot == ColumnPlan.keySlot {
                let text = String(decoding: content, as: UTF8.self)
                guard row.key == text else { fatalError("CSV: key \(String(describing: row.key)), expected \(text)") }
            } else if slot >= 0 {
                let j = Int(slot)
                let expected = content.withUnsafeBufferPointer { field in
                    field.isEmpty ? nil : DecimalFloatParser.parse(field.baseAddress!, count: field.count)
                }
                switch expected {
                case nil: guard row.observed[j] == 0 else { fatalError("CSV: column \(column) is not missing") }
                case .value(let value)?:
                    guard row.observed[j] == 1, row.features[j].bitPattern == value.bitPattern else {
                        fatalError("CSV: column \(column) is \(row.features[j]), expected \(value)")
                    }
                case .failure(let failure)?: fatalError("CSV: column \(column) accepted, but it is \(failure)")
                }
            }
        }
        reparse(csvLine(row), as: "CSV", expecting: row)
        reparse(jsonLine(row), as: "JSON", expecting: row)
    }

    /// An accepted JSON row holds finite values, and reads back the same from JSON and CSV made of it; its
    /// keys can be listed; a blank line is a reject in strict mode.
    static func checkJSON(_ line: UnsafeRawBufferPointer) {
        let keys = JSONLineParser.keys(of: line, source: "fuzz", number: 1)
        if case .success(let names) = keys {
            guard Set(names).count == names.count else { fatalError("keys: duplicates in \(names)") }
        }
        if JSONLineParser.isBlank(line) {
            let outcome = withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * width) { buffer in
                var key: String?
                return strictJSON.parse(
                    line, number: 2, features: buffer.baseAddress!, observed: buffer.baseAddress! + width, key: &key)
            }
            guard case .reject = outcome else { fatalError("a blank line is not a reject in strict mode") }
        }
        guard let row = record(line, { json.parse($0, number: 2, features: $1, observed: $2, key: &$3) }) else {
            return
        }
        check(row, "JSON")
        guard case .success = keys else { fatalError("a JSON record whose keys cannot be listed") }
        reparse(jsonLine(row), as: "JSON", expecting: row)
        // An absent key reads back from CSV as an empty field.
        var asCSV = row
        asCSV.key = row.key ?? ""
        reparse(csvLine(asCSV), as: "CSV", expecting: asCSV)
    }
}

/// libFuzzer's entry point: one input, a mode byte and a line. Returns 0; a broken invariant stops the process.
@_cdecl("LLVMFuzzerTestOneInput")
public func lineParsersFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    LineParsersFuzz.run(mode: data[0], UnsafeRawBufferPointer(start: data + 1, count: size - 1))
    return 0
}
