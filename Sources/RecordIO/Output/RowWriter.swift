import Compute
import RecordParsing

/// Writes plain rows of numbers (synthetic records) as CSV with a header, or as JSON lines.
package enum RowWriter {
    /// Formats `rows` `[n, names.count]` in `format`, header included for CSV.
    package static func format(_ rows: Matrix, names: [String], format: RecordFormat) -> [UInt8] {
        precondition(rows.cols == names.count, "RowWriter: \(names.count) names for \(rows.cols) columns")
        let out = OutputBuffer()
        let jsonNames = names.map { name in
            let buffer = OutputBuffer()
            buffer.appendJSONString(name)
            buffer.append(byte: 0x3A)
            return Array(UnsafeBufferPointer(start: buffer.bytes, count: buffer.count))
        }
        if format == .csv {
            for (index, name) in names.enumerated() {
                if index > 0 { out.append(byte: 0x2C) }
                out.appendCSVField(name)
            }
            out.append(byte: 0x0A)
        }
        for row in 0..<rows.rows {
            if format == .jsonl { out.append(byte: 0x7B) }
            for column in 0..<rows.cols {
                if column > 0 { out.append(byte: 0x2C) }
                if format == .jsonl { out.append(jsonNames[column]) }
                out.append(rows[row, column], infinity: format == .csv ? "inf" : "1e999")
            }
            out.append(format == .jsonl ? "}\n" : "\n")
        }
        return Array(UnsafeBufferPointer(start: out.bytes, count: out.count))
    }
}
