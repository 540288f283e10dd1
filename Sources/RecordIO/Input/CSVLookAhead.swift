import RecordParsing

/// A look at a CSV input's header and its first buffered rows before any record is parsed, so that an input that
/// cannot work as it stands is refused at once, with what is wrong and what to do, rather than line by line: a
/// header of numbers (the file has none), one column where the rows hold tabs, semicolons or spaces (another
/// delimiter), and feature columns of text (timestamps, names).
struct CSVLookAhead {
    /// Rows looked at, at most.
    static let rowLimit = 100
    /// The header's column names.
    let header: [String]
    /// The rows looked at, without blank lines and lines that are not UTF-8.
    let lines: [String]

    /// A look at `header` and the raw `lines` after it.
    init(header: [String], lines: [[UInt8]]) {
        self.header = header
        self.lines = lines.prefix(Self.rowLimit).compactMap { String(validating: $0, as: UTF8.self) }
            .filter { !Self.trimmed($0).isEmpty }
    }

    /// What is wrong with the input as a whole before its columns are resolved: a header that looks like data, or
    /// rows separated by something other than commas. Nil when neither.
    func shapeProblem(source: String, modelFeatures: [String]?) -> RecordIOError? {
        if header.allSatisfy(Self.isNumber) { return numericHeader(source: source, modelFeatures: modelFeatures) }
        if header.count == 1, let delimiter = likelyDelimiter { return otherDelimiter(delimiter, source: source) }
        return nil
    }

    /// The feature columns of `plan` (in input order) whose values in the rows looked at are mostly text: not
    /// numbers, not empty.
    func textColumns(in plan: ColumnPlan) -> [String] {
        var filled = [Int](repeating: 0, count: header.count)
        var text = [Int](repeating: 0, count: header.count)
        for line in lines {
            var bytes = line
            let split = bytes.withUTF8 { CSVLineParser.fields(UnsafeRawBufferPointer($0)) }
            guard case .success(let fields) = split, fields.count == header.count else { continue }
            for (column, field) in fields.enumerated() where plan.slots[column] >= 0 && !field.isEmpty {
                filled[column] += 1
                if Self.isText(field) { text[column] += 1 }
            }
        }
        return header.indices.filter { text[$0] > 0 && text[$0] * 2 > filled[$0] }.map { header[$0] }
    }

    /// The refusal of `plan`'s text columns among the rows looked at, or nil when there are none.
    func textColumnProblem(plan: ColumnPlan, source: String, model: Bool) -> RecordIOError? {
        let columns = textColumns(in: plan)
        guard !columns.isEmpty else { return nil }
        return RecordIOError(
            .data,
            "\(source): in its first \(Counted.text(lines.count, "row")), "
                + TextColumnAdvice.message(columns, model: model))
    }

    /// A delimiter other than the comma that most rows hold, with its name and the command that turns it into
    /// commas.
    struct Delimiter: Equatable {
        let byte: Character
        let name: String
        let conversion: String
    }

    /// The delimiters looked for, in this order.
    static let delimiters = [
        Delimiter(byte: "\t", name: "tabs", conversion: "tr '\\t' ','"),
        Delimiter(byte: ";", name: "semicolons", conversion: "tr ';' ','"),
        Delimiter(byte: " ", name: "spaces", conversion: "tr -s ' ' ','"),
    ]

    /// The first delimiter that more than half of the rows hold between fields; nil without rows.
    var likelyDelimiter: Delimiter? {
        guard !lines.isEmpty else { return nil }
        return Self.delimiters.first { delimiter in
            lines.count { Self.trimmed($0).contains(delimiter.byte) } * 2 > lines.count
        }
    }

    private func otherDelimiter(_ delimiter: Delimiter, source: String) -> RecordIOError {
        let file = source == "<stdin>" ? "FILE" : source
        var command = "\(delimiter.conversion) < \(file)"
        var note = ""
        if delimiter.byte == ";", lines.contains(where: { $0.contains(",") }) {
            command = "sed 's/,/./g; s/;/,/g' \(file)"
            note = " (its commas look like decimal commas, which become points)"
        }
        return RecordIOError(
            .data,
            "\(source):1: the header has one column, \(header[0].debugDescription), and the rows below it hold "
                + "\(delimiter.name): they look separated by \(delimiter.name), but vaewatch reads comma-separated "
                + "values; convert them on the way in\(note), e.g. \(command) | vaewatch …")
    }

    private func numericHeader(source: String, modelFeatures: [String]?) -> RecordIOError {
        let shown = header.prefix(3).map(\.debugDescription).joined(separator: ", ") + (header.count > 3 ? ", …" : "")
        var names: [String]?
        if let modelFeatures {
            if modelFeatures.count == header.count { names = modelFeatures }
        } else if header.count <= 12 {
            names = (1...header.count).map { "c\($0)" }
        }
        let file = source == "<stdin>" ? "FILE" : source
        let fix =
            names.map { "add one, e.g. (echo \($0.joined(separator: ",")); cat \(file)) | vaewatch …" }
            ?? "add a line of \(header.count) column names first"
        return RecordIOError(
            .data,
            "\(source):1: this header looks like data: its names are all numbers (\(shown)); CSV input needs a first "
                + "line of column names: \(fix)")
    }

    /// Whether `text` reads as a number.
    static func isNumber(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 {
            if case .value = DecimalFloatParser.parse(UnsafeRawBufferPointer($0)) { true } else { false }
        }
    }

    /// Whether `field` is text rather than a number or a malformed one (NaN, hexadecimal, out of range).
    static func isText(_ field: String) -> Bool {
        var field = field
        return field.withUTF8 { DecimalFloatParser.parse(UnsafeRawBufferPointer($0)) == .failure(.notANumber) }
    }

    /// `text` without leading and trailing spaces and tabs.
    static func trimmed(_ text: String) -> Substring {
        let isContent: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = text.firstIndex(where: isContent), let last = text.lastIndex(where: isContent) else {
            return ""
        }
        return text[first...last]
    }
}
