import Compute
import Detector
import RecordParsing

/// Formats records with their verdicts, in parallel, in input order.
///
/// - CSV in, CSV out: the input line unchanged, then `score,recon,kl,threshold,anomaly` (anomaly is 1 or 0).
/// - JSON lines in, JSON lines out: the input object with one more key, `vaewatch`, holding every verdict
///   field: `score`, `recon`, `kl`, `threshold`, `anomaly`, `top` (features with their shares), `missing`,
///   `model_version` and, when the verdicts carry it (``carriesLatentMean``), `latent`: the record's latent
///   mean μ.
/// - CSV in, JSON lines out: an object of every column of the line (`line` first, without a key column), then
///   `vaewatch`. A field that is a JSON number keeps its text; other features are written as parsed (`null` when
///   missing); other fields are strings. An ignored column whose name the output uses itself is left out.
/// - JSON lines in, CSV out: the record as parsed: its key (or line number) and features, then the verdict.
package struct VerdictWriter: Sendable {
    private let input: RecordFormat
    private let output: RecordFormat
    private let plan: ColumnPlan
    private let onlyAnomalies: Bool
    /// CSV in, JSON lines out: each input column's `"name":`, or nil for one left out.
    private let columnKeys: [[UInt8]?]

    /// Creates a writer.
    package init(input: RecordFormat, output: RecordFormat, plan: ColumnPlan, onlyAnomalies: Bool) {
        self.input = input
        self.output = output
        self.plan = plan
        self.onlyAnomalies = onlyAnomalies
        let reserved =
            plan.keyColumn == nil ? [ReservedNames.verdict, ReservedNames.lineNumber] : [ReservedNames.verdict]
        columnKeys = plan.inputNames.indices.map { column in
            let name = plan.inputNames[column]
            if plan.slots[column] == ColumnPlan.ignoredSlot, reserved.contains(name) { return nil }
            let buffer = OutputBuffer()
            buffer.appendJSONString(name)
            buffer.append(byte: 0x3A)
            return Array(UnsafeBufferPointer(start: buffer.bytes, count: buffer.count))
        }
    }

    /// Columns the CSV output appends to each record.
    static let verdictColumns = "score,recon,kl,threshold,anomaly"

    /// Whether the output has room for each record's latent mean μ, so that scoring should keep it
    /// (``Detector/score(_:pool:latentMean:)``): JSON lines do; the CSV columns stay as they are.
    package var carriesLatentMean: Bool { output == .jsonl }

    /// The output's header line, if it has one; `inputHeader` is the CSV input's header line.
    package func header(inputHeader: [UInt8]?) -> [UInt8] {
        guard output == .csv else { return [] }
        let buffer = OutputBuffer()
        if input == .csv, let inputHeader {
            buffer.append(inputHeader)
        } else {
            buffer.appendCSVField(keyName)
            for name in plan.featureNames {
                buffer.append(byte: 0x2C)
                buffer.appendCSVField(name)
            }
        }
        buffer.append(byte: 0x2C)
        buffer.append(Array(Self.verdictColumns.utf8))
        buffer.append(byte: 0x0A)
        return Array(UnsafeBufferPointer(start: buffer.bytes, count: buffer.count))
    }

    /// The name under which a record's key appears in converted output.
    private var keyName: String { plan.keyColumn.map { plan.inputNames[$0] } ?? ReservedNames.lineNumber }

    /// Writes every record of `parsed` (or only the anomalies) with its verdict to `stream`; `bytes` holds the
    /// lines that `parsed.spans` point into. Returns how many records were handled (written whole, or left out as
    /// normal): all of them, unless the output's reader went away, when it returns those before the first record it
    /// did not take whole, and the caller stops.
    package func write(
        _ parsed: ParsedLines, bytes: UnsafeRawPointer, verdicts: Verdicts, pool: ThreadPool?, to stream: OutputStream
    ) throws(RecordIOError) -> Int {
        let formatted = format(parsed, bytes: bytes, verdicts: verdicts, pool: pool)
        guard let taken = try stream.write(formatted.buffers) else { return parsed.count }
        return formatted.records(within: taken)
    }

    /// Formats every record of `parsed` (or only the anomalies) with its verdict; the buffers are in input
    /// order, one per worker.
    func format(
        _ parsed: ParsedLines, bytes: UnsafeRawPointer, verdicts: Verdicts, pool: ThreadPool?
    ) -> FormattedRecords {
        let n = parsed.count
        precondition(verdicts.count == n, "VerdictWriter: \(verdicts.count) verdicts for \(n) records")
        let workers = n >= 256 ? pool?.threadCount ?? 1 : 1
        let buffers = (0..<workers).map { _ in OutputBuffer(capacity: 64 * max(1, n / workers)) }
        // Record i's end in its worker's buffer; each worker writes the entries of its own records only.
        let ends = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(1, n))
        defer { ends.deallocate() }
        let threshold = OutputBuffer()
        // +∞ as JSON parsers read it in JSON lines, as `inf` in CSV (like the scores).
        threshold.append(verdicts.threshold, infinity: output == .jsonl ? "1e999" : "inf")
        let thresholdText = UnsafeRawBufferPointer(start: threshold.bytes, count: threshold.count)
        let names = verdicts.featureNames.map { name in
            let buffer = OutputBuffer()
            buffer.appendJSONString(name)
            return Array(UnsafeBufferPointer(start: buffer.bytes, count: buffer.count))
        }
        let work: (Range<Int>, Int) -> Void = { chunks, _ in
            for chunk in chunks {
                let out = buffers[chunk]
                for i in ThreadPool.chunk(chunk, of: workers, count: n) {
                    defer { ends[i] = out.count }
                    if onlyAnomalies && !verdicts.isAnomaly[i] { continue }
                    let line = UnsafeRawBufferPointer(
                        start: bytes + parsed.spans[i].offset, count: parsed.spans[i].length)
                    switch (input, output) {
                    case (.csv, .csv):
                        out.append(line)
                        appendCSVVerdict(verdicts, i, thresholdText, to: out)
                    case (.jsonl, .jsonl):
                        appendJSONObject(line, verdicts, i, thresholdText, names, to: out)
                    case (_, .csv):
                        appendParsedCSV(parsed, i, to: out)
                        appendCSVVerdict(verdicts, i, thresholdText, to: out)
                    case (_, .jsonl):
                        appendCSVAsJSON(line, parsed, i, verdicts, thresholdText, names, to: out)
                    }
                }
            }
        }
        if workers > 1, let pool { pool.parallelFor(workers, work) } else { work(0..<1, 0) }
        return FormattedRecords(buffers: buffers, ends: Array(ends.prefix(n)))
    }

    private func appendCSVVerdict(
        _ verdicts: Verdicts, _ i: Int, _ threshold: UnsafeRawBufferPointer, to out: OutputBuffer
    ) {
        out.append(byte: 0x2C)
        out.append(verdicts.score[i], infinity: "inf")
        out.append(byte: 0x2C)
        out.append(verdicts.recon[i], infinity: "inf")
        out.append(byte: 0x2C)
        out.append(verdicts.kl[i], infinity: "inf")
        out.append(byte: 0x2C)
        out.append(threshold)
        out.append(verdicts.isAnomaly[i] ? ",1\n" : ",0\n")
    }

    /// The input object with the `vaewatch` key added before its closing brace.
    private func appendJSONObject(
        _ line: UnsafeRawBufferPointer, _ verdicts: Verdicts, _ i: Int, _ threshold: UnsafeRawBufferPointer,
        _ names: [[UInt8]], to out: OutputBuffer
    ) {
        // JSON whitespace is space, tab, CR and LF; a line's own ending is already gone, but a stray CR may stay.
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var end = line.count
        while end > 0, isSpace(line[end - 1]) { end -= 1 }
        end -= 1  // the closing brace
        var last = end
        while last > 0, isSpace(line[last - 1]) { last -= 1 }
        out.append(UnsafeRawBufferPointer(rebasing: line[0..<end]))
        if line[last - 1] != 0x7B { out.append(byte: 0x2C) }
        appendJSONVerdict(verdicts, i, threshold, names, to: out)
        out.append("}\n")
    }

    /// A CSV line as a JSON object of all its columns (see the type's summary), then the verdict.
    private func appendCSVAsJSON(
        _ line: UnsafeRawBufferPointer, _ parsed: ParsedLines, _ i: Int, _ verdicts: Verdicts,
        _ threshold: UnsafeRawBufferPointer, _ names: [[UInt8]], to out: OutputBuffer
    ) {
        out.append(byte: 0x7B)
        if plan.keyColumn == nil {
            out.appendJSONString(ReservedNames.lineNumber)
            out.append(byte: 0x3A)
            out.append(parsed.spans[i].number)
            out.append(byte: 0x2C)
        }
        let d = plan.featureNames.count
        var column = 0
        // The line parsed into records, so it splits.
        _ = CSVLineParser.forEachField(line) { field, quoted in
            defer { column += 1 }
            guard column < columnKeys.count, let key = columnKeys[column] else { return }
            out.append(key)
            let feature = plan.slots[column] >= 0 ? i * d + Int(plan.slots[column]) : nil
            if quoted {
                Array(CSVLineParser.unescaped(field).utf8).withUnsafeBytes {
                    appendField($0, feature: feature, parsed, to: out)
                }
            } else {
                appendField(field, feature: feature, parsed, to: out)
            }
            out.append(byte: 0x2C)
        }
        appendJSONVerdict(verdicts, i, threshold, names, to: out)
        out.append("}\n")
    }

    /// One CSV field's value in JSON: its own text when that is a JSON number; else a feature (`feature`, its
    /// index into `parsed.features`) as parsed, and any other column as a string.
    private func appendField(
        _ text: UnsafeRawBufferPointer, feature: Int?, _ parsed: ParsedLines, to out: OutputBuffer
    ) {
        if JSONScanner.isNumber(text) {
            out.append(text)
        } else if let feature {
            appendFeature(parsed, feature, to: out)
        } else {
            out.appendJSONString(text)
        }
    }

    /// A feature as parsed, in JSON: `null` when missing, ±∞ as `±1e999`.
    private func appendFeature(_ parsed: ParsedLines, _ index: Int, to out: OutputBuffer) {
        if parsed.observed[index] == 0 {
            out.append("null")
        } else {
            out.append(parsed.features[index], infinity: parsed.features[index] > 0 ? "1e999" : "-1e999")
        }
    }

    private func appendParsedCSV(_ parsed: ParsedLines, _ i: Int, to out: OutputBuffer) {
        if plan.keyColumn != nil { out.appendCSVField(parsed.keys[i]) } else { out.append(parsed.spans[i].number) }
        let d = plan.featureNames.count
        for j in 0..<d {
            out.append(byte: 0x2C)
            if parsed.observed[i * d + j] != 0 { out.append(parsed.features[i * d + j], infinity: "inf") }
        }
    }

    /// `"vaewatch":{…}`; +∞ scores are written `1e999`, which JSON parsers read as infinity.
    private func appendJSONVerdict(
        _ verdicts: Verdicts, _ i: Int, _ threshold: UnsafeRawBufferPointer, _ names: [[UInt8]],
        to out: OutputBuffer
    ) {
        out.append("\"vaewatch\":{\"score\":")
        out.append(verdicts.score[i], infinity: "1e999")
        out.append(",\"recon\":")
        out.append(verdicts.recon[i], infinity: "1e999")
        out.append(",\"kl\":")
        out.append(verdicts.kl[i], infinity: "1e999")
        out.append(",\"threshold\":")
        out.append(threshold)
        out.append(verdicts.isAnomaly[i] ? ",\"anomaly\":true,\"top\":[" : ",\"anomaly\":false,\"top\":[")
        for slot in 0..<verdicts.topCount {
            let index = Int(verdicts.topFeatureIndex[i * verdicts.topCount + slot])
            guard index >= 0 else { break }
            if slot > 0 { out.append(byte: 0x2C) }
            out.append("{\"feature\":")
            out.append(names[index])
            out.append(",\"share\":")
            // Three decimals say enough about a share and keep the line short.
            out.append((verdicts.topFeatureShare[i * verdicts.topCount + slot] * 1000).rounded() / 1000, infinity: "1")
            out.append(byte: 0x7D)
        }
        out.append("],\"missing\":")
        out.append(verdicts.missingCount[i])
        out.append(",\"model_version\":")
        out.append(verdicts.modelVersion)
        if let latent = verdicts.latentMean {
            out.append(",\"latent\":")
            Self.appendJSONNumbers(latent, row: i, to: out)
        }
        out.append(byte: 0x7D)
    }

    /// Row `row` of `matrix` as a JSON array of numbers, `[0.8134,-1.25]`: shortest round-trip floats; ±∞ (a
    /// record beyond what Float32 can measure) as `1e999` and `-1e999`, which JSON parsers read as infinity, and
    /// NaN as `null`.
    static func appendJSONNumbers(_ matrix: Matrix, row: Int, to out: OutputBuffer) {
        out.append(byte: 0x5B)
        matrix.withUnsafeBufferPointer { values in
            let first = row * matrix.cols
            for j in 0..<matrix.cols {
                if j > 0 { out.append(byte: 0x2C) }
                let value = values[first + j]
                if value.isNaN {
                    out.append("null")
                } else {
                    out.append(value, infinity: value > 0 ? "1e999" : "-1e999")
                }
            }
        }
        out.append(byte: 0x5D)
    }
}
