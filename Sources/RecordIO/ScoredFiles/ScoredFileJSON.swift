import Detector
import RecordParsing

/// The JSON-lines output of `vaewatch score`: each input object with one more key, `vaewatch`, whose object holds
/// the verdict: `score`, `recon`, `kl`, `threshold` (numbers, +∞ as `1e999`), `anomaly` (true or false), `top`
/// (`[{"feature": …, "share": …}, …]`), `missing` and `model_version`. The input's own keys are skipped, whatever
/// they hold.
struct ScoredFileJSON {
    /// The file's name in messages.
    let source: String

    /// The key of the verdict.
    static let verdictKey = ReservedNames.verdict

    /// The verdict on `line`, record number `recordNumber`, on line `lineNumber`.
    func record(_ line: UnsafeRawBufferPointer, recordNumber: Int, lineNumber: Int) throws(RecordIOError)
        -> ScoredFileRecord
    {
        if let reject = LineChecks.invalidUTF8(line, source: source, number: lineNumber) {
            throw RecordIOError(.data, reject.message)
        }
        var scanner = JSONScanner(line)
        var verdict: Verdict?
        let problem: Problem?
        do throws(JSONScanner.SyntaxError) {
            problem = try scanner.walkLineObject {
                (scanner, range, escaped, _) throws(JSONScanner.SyntaxError) -> Problem? in
                guard scanner.decodedString(range, escaped: escaped) == Self.verdictKey else {
                    try scanner.skipValue()
                    return nil
                }
                if verdict != nil { return Problem(field: Self.verdictKey, reason: "the key appears twice") }
                switch try Self.verdict(&scanner) {
                case .success(let found): verdict = found
                case .failure(let problem): return problem
                }
                return nil
            }
        } catch {
            let found =
                error.offset < line.count
                ? "found \(Excerpt.quote(UnsafeRawBufferPointer(rebasing: line[error.offset...])))"
                : "found the end of the line"
            throw RecordIOError(
                .data,
                "\(source):\(lineNumber): not valid JSON at byte \(error.offset + 1): expected \(error.expected), "
                    + found)
        }
        if let problem {
            throw RecordIOError(
                .data, Reject(source: source, line: lineNumber, column: problem.field, reason: problem.reason).message)
        }
        guard let verdict else {
            throw RecordIOError(
                .data,
                "\(source):\(lineNumber): no \"vaewatch\" key; the file must be the output of "
                    + "vaewatch score --output jsonl, which adds the verdict to every object under that key")
        }
        var missing: [String] = []
        if verdict.score == nil { missing.append("score") }
        if verdict.threshold == nil { missing.append("threshold") }
        if verdict.anomaly == nil { missing.append("anomaly") }
        guard missing.isEmpty, let score = verdict.score, let threshold = verdict.threshold,
            let anomaly = verdict.anomaly
        else {
            throw RecordIOError(
                .data,
                "\(source):\(lineNumber): field vaewatch: no \(missing.joined(separator: ", ")); the verdict of "
                    + "vaewatch score holds score, recon, kl, threshold, anomaly, top, missing and model_version")
        }
        return ScoredFileRecord(
            number: recordNumber, line: lineNumber,
            verdict: ScoredRecord(
                score: score, recon: verdict.recon, kl: verdict.kl, threshold: threshold, isAnomaly: anomaly,
                modelVersion: verdict.modelVersion, top: verdict.top))
    }

    /// A value that is not what the verdict needs: the dotted path of its field and why.
    struct Problem: Error {
        var field: String
        var reason: String
    }

    /// The fields of a verdict object, as far as they were found.
    struct Verdict {
        var score: Double?
        var recon: Double?
        var kl: Double?
        var threshold: Double?
        var anomaly: Bool?
        var top: [ScoredRecord.Share] = []
        var modelVersion: Int?
    }

    /// Reads the verdict object at the cursor; unknown keys are skipped.
    static func verdict(_ scanner: inout JSONScanner) throws(JSONScanner.SyntaxError) -> Result<Verdict, Problem> {
        guard try scanner.peekKind() == .object else {
            return .failure(try mismatch(&scanner, "vaewatch", "an object"))
        }
        var verdict = Verdict()
        var problem: Problem?
        try members(&scanner) { (scanner, key) throws(JSONScanner.SyntaxError) -> Bool in
            let field = "vaewatch." + key
            func number() throws(JSONScanner.SyntaxError) -> Double? {
                switch try Self.number(&scanner, field) {
                case .success(let value): return value
                case .failure(let found):
                    problem = found
                    return nil
                }
            }
            switch key {
            case "score": verdict.score = try number()
            case "recon": verdict.recon = try number()
            case "kl": verdict.kl = try number()
            case "threshold": verdict.threshold = try number()
            case "anomaly":
                guard try scanner.peekKind() == .bool else {
                    problem = try mismatch(&scanner, field, "true or false")
                    return false
                }
                verdict.anomaly = scanner.current == UInt8(ascii: "t")
                try scanner.skipValue()
            case "model_version":
                guard let value = try number() else { return false }
                guard value >= 0, value <= Double(Int32.max), value == value.rounded() else {
                    problem = Problem(field: field, reason: "expected a whole number, found \(value)")
                    return false
                }
                verdict.modelVersion = Int(value)
            case "top":
                switch try Self.top(&scanner, field) {
                case .success(let shares): verdict.top = shares
                case .failure(let found): problem = found
                }
            default: try scanner.skipValue()
            }
            return problem == nil
        }
        if let problem { return .failure(problem) }
        return .success(verdict)
    }

    /// Reads `top`: an array of `{"feature": name, "share": number}`.
    static func top(_ scanner: inout JSONScanner, _ field: String) throws(JSONScanner.SyntaxError)
        -> Result<[ScoredRecord.Share], Problem>
    {
        guard try scanner.peekKind() == .array else { return .failure(try mismatch(&scanner, field, "an array")) }
        scanner.position += 1
        scanner.skipWhitespace()
        var shares: [ScoredRecord.Share] = []
        if scanner.current == 0x5D {
            scanner.position += 1
            return .success(shares)
        }
        while true {
            let itemField = "\(field)[\(shares.count)]"
            guard try scanner.peekKind() == .object else {
                return .failure(try mismatch(&scanner, itemField, "an object"))
            }
            var feature: String?
            var share: Double?
            var problem: Problem?
            try members(&scanner) { (scanner, key) throws(JSONScanner.SyntaxError) -> Bool in
                switch key {
                case "feature":
                    guard try scanner.peekKind() == .string else {
                        problem = try mismatch(&scanner, itemField + ".feature", "a string")
                        return false
                    }
                    let (range, escaped) = try scanner.string()
                    feature = scanner.decodedString(range, escaped: escaped)
                case "share":
                    switch try number(&scanner, itemField + ".share") {
                    case .success(let value): share = value
                    case .failure(let found): problem = found
                    }
                default: try scanner.skipValue()
                }
                return problem == nil
            }
            if let problem { return .failure(problem) }
            guard let feature, let share else {
                return .failure(Problem(field: itemField, reason: "expected both \"feature\" and \"share\""))
            }
            shares.append(ScoredRecord.Share(feature: feature, share: share))
            scanner.skipWhitespace()
            if scanner.current == 0x5D {
                scanner.position += 1
                return .success(shares)
            }
            try scanner.expect(0x2C, "',' or ']'")
        }
    }

    /// Walks the members of the object at the cursor; `member` gets each decoded key with the cursor on its value,
    /// which it must consume, and returns false to stop (leaving the object unfinished).
    static func members(
        _ scanner: inout JSONScanner, _ member: (inout JSONScanner, String) throws(JSONScanner.SyntaxError) -> Bool
    ) throws(JSONScanner.SyntaxError) {
        try scanner.expect(0x7B, "'{'")
        scanner.skipWhitespace()
        if scanner.current == 0x7D {
            scanner.position += 1
            return
        }
        while true {
            scanner.skipWhitespace()
            let (range, escaped) = try scanner.string()
            try scanner.expect(0x3A, "':'")
            guard try member(&scanner, scanner.decodedString(range, escaped: escaped)) else { return }
            scanner.skipWhitespace()
            if scanner.current == 0x7D {
                scanner.position += 1
                return
            }
            try scanner.expect(0x2C, "',' or '}'")
        }
    }

    /// Reads a number (a score, share or version); +∞ is written `1e999`.
    static func number(_ scanner: inout JSONScanner, _ field: String) throws(JSONScanner.SyntaxError)
        -> Result<Double, Problem>
    {
        guard try scanner.peekKind() == .number else { return .failure(try mismatch(&scanner, field, "a number")) }
        let range = try scanner.number()
        let text = UnsafeRawBufferPointer(start: scanner.bytes + range.lowerBound, count: range.count)
        switch ScoredFileValue.number(text) {
        case .success(let value): return .success(value)
        case .failure(let reason): return .failure(Problem(field: field, reason: reason.text))
        }
    }

    /// A problem for a value of the wrong kind at the cursor, which it consumes: `expected a number, found a string
    /// "abc"`.
    static func mismatch(_ scanner: inout JSONScanner, _ field: String, _ expected: String)
        throws(JSONScanner.SyntaxError) -> Problem
    {
        let kind = try scanner.peekKind()
        let start = scanner.position
        try scanner.skipValue()
        let text = UnsafeRawBufferPointer(start: scanner.bytes + start, count: scanner.position - start)
        return Problem(field: field, reason: "expected \(expected), found \(kind.phrase) \(Excerpt.quote(text))")
    }
}
