import Compute
import Detector
import RecordParsing

extension ParsedLines {
    /// The records as a ``RecordBatch`` for the detector, with their times; the mask is left out when nothing is
    /// missing.
    package func recordBatch(width d: Int) -> RecordBatch {
        RecordBatch(
            keys: keys, features: Matrix(rows: count, cols: d, storage: features),
            observed: missingValues > 0 ? Matrix(rows: count, cols: d, storage: observed) : nil, times: times)
    }
}

extension ParsedLines {
    /// The records on lines before `line`, for writing what came before a bad line that ends the run.
    package func records(before line: Int) -> ParsedLines {
        rows(0..<(spans.firstIndex { $0.number >= line } ?? spans.count))
    }

    /// Records `range` (by position among the accepted records), their spans still into the same bytes; no
    /// rejects or outcomes, which belong to the whole batch.
    package func rows(_ range: Range<Int>) -> ParsedLines {
        let d = count > 0 ? features.count / count : 0
        var kept = self
        kept.features = Array(features[range.lowerBound * d..<range.upperBound * d])
        kept.observed = Array(observed[range.lowerBound * d..<range.upperBound * d])
        kept.keys = Array(keys[range])
        kept.times = times.map { Array($0[range]) }
        kept.spans = Array(spans[range])
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
        if let times = lines.times { parsed.times = (parsed.times ?? []) + times }
        for span in lines.spans {
            parsed.spans.append(LineSpan(offset: bytes.count, length: span.length, number: span.number))
            bytes.append(contentsOf: batch.bytes(of: span))
        }
    }
}
