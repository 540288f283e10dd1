import Compute
import Detector
import TestSupport
import Testing

/// `synthetic_shift.csv` from the shared development data: 20,000 records of 8 features and a label (1 for the
/// planted spikes and correlation breaks), whose normal regime changes at row 10,000 (features 1, 2, 5 and 6 move
/// by 2 to 3 standard deviations and the correlations change).
struct DriftData {
    /// Row where the new normal regime starts (`shift_index` of `synthetic_shift.meta.json`).
    static let shiftIndex = 10_000
    /// Feature count.
    static let width = 8
    /// Raw values, row-major. `[count, width]`
    let values: [Float]
    /// Whether each row is a planted anomaly. `[count]`
    let labels: [Bool]
    /// Column names from the header, less `label`.
    let featureNames: [String]

    /// Rows in the file.
    var count: Int { labels.count }

    /// The file, read and parsed once per test run.
    static let shared = Result(catching: {
        try DriftData(bytes: readSharedData("synthetic_shift.csv", purpose: "the drift and poisoning tests"))
    })

    /// Parses the file's bytes; fails the test when they are malformed.
    init(bytes: [UInt8]) throws {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        let header = try #require(lines.first).split(separator: ",").map(String.init)
        try #require(header.count == Self.width + 1 && header.last == "label", "unexpected header \(header)")
        featureNames = Array(header.prefix(Self.width))
        var values: [Float] = []
        var labels: [Bool] = []
        values.reserveCapacity((lines.count - 1) * Self.width)
        for (number, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",")
            try #require(
                fields.count == Self.width + 1, "line \(number + 2) of synthetic_shift.csv has \(fields.count) fields")
            for field in fields.prefix(Self.width) {
                values.append(
                    try #require(Float(field), "line \(number + 2) of synthetic_shift.csv: \(field) is not a number"))
            }
            labels.append(fields[Self.width] == "1")
        }
        self.values = values
        self.labels = labels
    }

    /// Rows `rows` as a batch keyed by row number.
    func batch(_ rows: Range<Int>) -> RecordBatch {
        batch(Array(rows))
    }

    /// The rows numbered in `rows`, in that order, keyed by row number.
    func batch(_ rows: [Int]) -> RecordBatch {
        var storage: [Float] = []
        storage.reserveCapacity(rows.count * Self.width)
        for row in rows { storage += values[row * Self.width..<(row + 1) * Self.width] }
        return RecordBatch(
            keys: rows.map { "row\($0)" }, features: Matrix(rows: rows.count, cols: Self.width, storage: storage))
    }

}
