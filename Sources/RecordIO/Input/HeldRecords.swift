import Compute
import Detector

extension ParsedLines {
    /// The records as a ``RecordBatch`` for the detector; the mask is left out when nothing is missing.
    package func recordBatch(width d: Int) -> RecordBatch {
        RecordBatch(
            keys: keys, features: Matrix(rows: count, cols: d, storage: features),
            observed: missingValues > 0 ? Matrix(rows: count, cols: d, storage: observed) : nil)
    }
}

extension ParsedLines {
    /// The records on lines before `line`, for writing what came before a bad line that ends the run.
    package func records(before line: Int) -> ParsedLines {
        let count = spans.firstIndex { $0.number >= line } ?? spans.count
        let d = count > 0 ? features.count / spans.count : 0
        var kept = self
        kept.features = Array(features.prefix(count * d))
        kept.observed = Array(observed.prefix(count * d))
        kept.keys = Array(keys.prefix(count))
        kept.spans = Array(spans.prefix(count))
        kept.missingValues = kept.observed.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        kept.rejects = []
        kept.outcomes = []
        return kept
    }
}

/// Records held back with copies of their lines, while there is no model to score them yet (warm-up).
package struct HeldRecords {
    /// The held records; their spans point into ``bytes``.
    package private(set) var parsed: ParsedLines
    /// Copies of the held lines, back to back.
    package private(set) var bytes: [UInt8] = []

    /// An empty holder.
    package init() {
        parsed = ParsedLines(
            features: [], observed: [], missingValues: 0, keys: [], spans: [], rejects: [], emptyLines: 0,
            outcomes: [])
    }

    /// Number of records held.
    package var count: Int { parsed.count }

    /// Holds the records of `lines`, copying their bytes out of `batch`.
    package mutating func append(_ lines: ParsedLines, from batch: LineBatch) {
        parsed.features += lines.features
        parsed.observed += lines.observed
        parsed.missingValues += lines.missingValues
        parsed.keys += lines.keys
        for span in lines.spans {
            parsed.spans.append(LineSpan(offset: bytes.count, length: span.length, number: span.number))
            bytes.append(contentsOf: batch.bytes(of: span))
        }
    }
}
