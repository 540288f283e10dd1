import Compute
import RecordIO
import RecordParsing

#if canImport(Glibc)
    import Glibc
#endif
internal import SystemIO

/// Writes the benchmark input: `rows` records of 32 features from 4 latent factors plus noise, as CSV with a
/// header, each value in shortest round-trip form (about 10 bytes). Seeded, so every run writes the same file.
func generateRecords(rows: Int, to path: String) throws {
    let d = 32
    var rng = SeededGenerator(seed: 42)
    let loadings = (0..<(d * 4)).map { _ in NormalSampler.next(&rng) }
    let descriptor = try SystemCalls.openForWriting(path, permissions: 0o644)
    defer { try? SystemCalls.close(descriptor) }
    let stream = RecordIO.OutputStream(descriptor: descriptor, name: path)
    try stream.write(Array(((0..<d).map { "f\($0)" }.joined(separator: ",") + "\n").utf8))
    var line = [UInt8](repeating: 0, count: d * (FloatFormatter.maximumLength + 1))
    var chunk: [UInt8] = []
    for _ in 0..<rows {
        let z = (0..<4).map { _ in NormalSampler.next(&rng) }
        var length = 0
        line.withUnsafeMutableBufferPointer { out in
            for j in 0..<d {
                var value: Float = 0.1 * NormalSampler.next(&rng)
                for f in 0..<4 { value += loadings[j * 4 + f] * z[f] }
                if j > 0 {
                    out[length] = UInt8(ascii: ",")
                    length += 1
                }
                length += FloatFormatter.write(value, to: out.baseAddress! + length)
            }
            out[length] = 0x0A
            length += 1
        }
        chunk += line[0..<length]
        if chunk.count > 1 << 20 {
            try stream.write(chunk)
            chunk.removeAll(keepingCapacity: true)
        }
    }
    try stream.write(chunk)
}

/// Rows per second of reading and parsing the CSV at `path` on `pool`: no scoring, no output.
func parseRun(path: String, pool: ThreadPool) throws -> Double {
    let start = now()
    let input = try RecordInput(
        path: path, format: .csv, selection: ColumnSelection(), modelFeatures: nil, strict: false,
        maximumLineBytes: 1 << 20, batchDeadline: 0.02)
    try input.start(reporting: RejectLog(strict: false, rejectsPath: nil) { _ in })
    var rows = 0
    while let (parsed, _) = try input.next(pool: pool) { rows += parsed.count }
    return Double(rows) / (now() - start)
}
