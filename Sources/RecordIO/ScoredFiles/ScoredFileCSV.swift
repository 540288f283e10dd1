import Detector
import RecordParsing

/// The CSV output of `vaewatch score`: the input's columns, then `score,recon,kl,threshold,anomaly`. The verdict's
/// columns are found by name in the header, the last of each name winning (the input may have a `score` column of
/// its own, which comes first).
struct ScoredFileCSV {
    /// The file's name in messages.
    let source: String
    /// The header's column names.
    let names: [String]
    /// The input column of the score.
    let score: Int
    /// The input column of the threshold.
    let threshold: Int
    /// The input column of the anomaly flag.
    let anomaly: Int
    /// The input column of the reconstruction error, when there is one.
    let recon: Int?
    /// The input column of the KL term, when there is one.
    let kl: Int?

    /// The columns a verdict needs, and those it may have.
    static let required = ["score", "threshold", "anomaly"]

    /// Resolves the verdict's columns from the header line; throws when one it needs is missing.
    init(header line: UnsafeRawBufferPointer, source: String) throws(RecordIOError) {
        let names = try CSVLineParser.header(line, source: source)
        func column(_ name: String) -> Int? { names.lastIndex(of: name) }
        let missing = Self.required.filter { column($0) == nil }
        guard missing.isEmpty, let score = column("score"), let threshold = column("threshold"),
            let anomaly = column("anomaly")
        else {
            throw RecordIOError(
                .data,
                "\(source):1: no column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) in the "
                    + "header; the file must be the output of vaewatch score, whose CSV ends in the columns "
                    + "score,recon,kl,threshold,anomaly")
        }
        self.source = source
        self.names = names
        self.score = score
        self.threshold = threshold
        self.anomaly = anomaly
        recon = column("recon")
        kl = column("kl")
    }

    /// The verdict on `line`, record number `recordNumber`, which starts on line `lineNumber`.
    func record(_ line: UnsafeRawBufferPointer, recordNumber: Int, lineNumber: Int) throws(RecordIOError)
        -> ScoredFileRecord
    {
        if let reject = LineChecks.invalidUTF8(line, source: source, number: lineNumber) {
            throw RecordIOError(.data, reject.message)
        }
        let fields: [Field]
        switch Self.fields(of: line) {
        case .success(let found): fields = found
        case .failure(let problem):
            throw located(lineNumber, problem.column, problem.reason)
        }
        guard fields.count == names.count else {
            throw RecordIOError(
                .data,
                Reject(
                    source: source, line: lineNumber,
                    reason: "\(Counted.text(fields.count, "field")) where the header has \(names.count)"
                ).message)
        }
        func value(_ column: Int) throws(RecordIOError) -> Double {
            switch fields[column].text(in: line).withUnsafeBytes(ScoredFileValue.number) {
            case .success(let value): return value
            case .failure(let reason): throw located(lineNumber, column, reason.text)
            }
        }
        let isAnomaly: Bool
        switch fields[anomaly].text(in: line).withUnsafeBytes(ScoredFileValue.flag) {
        case .success(let flag): isAnomaly = flag
        case .failure(let reason): throw located(lineNumber, anomaly, reason.text)
        }
        return ScoredFileRecord(
            number: recordNumber, line: lineNumber,
            verdict: ScoredRecord(
                score: try value(score), recon: try recon.map(value), kl: try kl.map(value),
                threshold: try value(threshold), isAnomaly: isAnomaly))
    }

    /// `source:line: field 3 (score): reason` as a data error.
    private func located(_ line: Int, _ column: Int, _ reason: String) -> RecordIOError {
        RecordIOError(
            .data,
            Reject(
                source: source, line: line, field: column + 1, column: column < names.count ? names[column] : nil,
                reason: reason
            ).message)
    }

    /// One field of a line: where its content lies, and whether it was quoted (so `""` stands for `"`).
    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool

        /// The field's content, unquoted.
        func text(in line: UnsafeRawBufferPointer) -> [UInt8] {
            let raw = UnsafeRawBufferPointer(rebasing: line[start..<end])
            return quoted ? Array(CSVLineParser.unescaped(raw).utf8) : Array(raw)
        }
    }

    /// A field that cannot be split out: its 0-based column and why.
    struct FieldProblem: Error {
        var column: Int
        var reason: String
    }

    /// The fields of a CSV line (RFC 4180, unquoted fields trimmed of spaces and tabs), with the scanning helpers of
    /// ``CSVLineParser``.
    static func fields(of line: UnsafeRawBufferPointer) -> Result<[Field], FieldProblem> {
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return .success([Field(start: 0, end: 0, quoted: false)])
        }
        let count = line.count
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var fields: [Field] = []
        var position = 0
        while true {
            var start = position
            while start < count, isBlank(base[start]) { start += 1 }
            if start < count, base[start] == 0x22 {
                guard let close = CSVLineParser.closingQuote(base, from: start + 1, count: count) else {
                    return .failure(FieldProblem(column: fields.count, reason: "a quoted field is not closed"))
                }
                fields.append(Field(start: start + 1, end: close, quoted: true))
                position = close + 1
                while position < count, isBlank(base[position]) { position += 1 }
                if position < count, base[position] != 0x2C {
                    return .failure(FieldProblem(column: fields.count - 1, reason: "text after the closing quote"))
                }
            } else {
                position = CSVLineParser.nextComma(base, from: start, count: count)
                var end = position
                while end > start, isBlank(base[end - 1]) { end -= 1 }
                fields.append(Field(start: start, end: end, quoted: false))
            }
            if position >= count { return .success(fields) }
            position += 1
            if position == count {
                fields.append(Field(start: count, end: count, quoted: false))
                return .success(fields)
            }
        }
    }
}
