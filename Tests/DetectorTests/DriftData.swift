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
    /// Where the file is: `../shared/data` next to the repository.
    static let path = repositoryRoot() + "/../shared/data/synthetic_shift.csv"

    /// Raw values, row-major. `[count, width]`
    let values: [Float]
    /// Whether each row is a planted anomaly. `[count]`
    let labels: [Bool]
    /// Column names from the header, less `label`.
    let featureNames: [String]

    /// Rows in the file.
    var count: Int { labels.count }

    /// The file, read and parsed once per test run.
    static let shared = Result(catching: { try DriftData(path: path) })

    /// Reads and parses the file at `path`; fails the test with a hint when it is missing or malformed.
    init(path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            let hint =
                "\(path) is missing: it is the shared development data (../shared/data next to the repository); "
                + "restore it there to run the drift and poisoning tests"
            Issue.record(Comment(rawValue: hint))
            throw error
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        let header = try #require(lines.first).split(separator: ",").map(String.init)
        try #require(header.count == Self.width + 1 && header.last == "label", "unexpected header \(header)")
        featureNames = Array(header.prefix(Self.width))
        var values: [Float] = []
        var labels: [Bool] = []
        values.reserveCapacity((lines.count - 1) * Self.width)
        for (number, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",")
            try #require(fields.count == Self.width + 1, "line \(number + 2) of \(path) has \(fields.count) fields")
            for field in fields.prefix(Self.width) {
                values.append(try #require(Float(field), "line \(number + 2) of \(path): \(field) is not a number"))
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

    /// The repository's root folder, found from this file's path.
    static func repositoryRoot(_ file: String = #filePath) -> String {
        String(file[..<file.firstRange(of: "/Tests/")!.lowerBound])
    }
}
