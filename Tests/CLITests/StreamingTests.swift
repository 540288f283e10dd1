import Glibc
import TestSupport
import Testing

/// Reads from `descriptor` until a newline arrives or `seconds` pass; returns the line, or nil on timeout or end.
func readLine(_ descriptor: CInt, within seconds: Double, pending: inout [UInt8]) -> String? {
    let deadline = monotonicNow() + seconds
    while true {
        if let newline = pending.firstIndex(of: 0x0A) {
            let line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            return line
        }
        let left = deadline - monotonicNow()
        guard left > 0 else { return nil }
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(left * 1000) + 1) > 0 else { return nil }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        pending += chunk[..<count]
    }
}

func monotonicNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// Streams: slow writers, readers that go away, verdict latency (I11, I13, I15 and the latency goal).
@Suite("vaewatch score: streams", .serialized)
struct StreamingTests {
    @Test("a line every 50 ms: each verdict within 100 ms plus the batch delay")
    func trickle() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let child = try Child(
            ["score", "--model", model, "--batch-delay", "20"], stdin: .pipe, stdout: .pipe, stderr: (directory, "err"))
        let output = try #require(child.output)
        var pending: [UInt8] = []
        child.send(Array((TrainedModel.header + "\n").utf8))
        #expect(readLine(output, within: 5, pending: &pending)?.hasSuffix(",anomaly") == true)
        var latencies: [Double] = []
        for _ in 0..<20 {
            let sent = monotonicNow()
            child.send(Array((TrainedModel.goodLine + "\n").utf8))
            let line = readLine(output, within: 2, pending: &pending)
            latencies.append(monotonicNow() - sent)
            #expect(line?.hasPrefix(TrainedModel.goodLine + ",") == true)
            let rest = 0.05 - (monotonicNow() - sent)
            if rest > 0 { usleep(UInt32(rest * 1e6)) }
        }
        let (status, _) = child.wait()
        #expect(status == 0)
        print("trickle latencies (ms): \(latencies.map { Int($0 * 1000) })")
        #expect(latencies.max()! < 0.100 + 0.020)
    }

    @Test("I13: half a line, a 2 s pause, then the rest: no premature parse")
    func partialWrite() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let child = try Child(["score", "--model", model], stdin: .pipe, stdout: .pipe, stderr: (directory, "err"))
        let output = try #require(child.output)
        var pending: [UInt8] = []
        child.send(Array((TrainedModel.header + "\n0.1,0.2,-0.3,0.").utf8))
        _ = readLine(output, within: 5, pending: &pending)
        sleep(2)
        child.send(Array("4,0.5,-0.6,0.7,0.8\n".utf8))
        let line = readLine(output, within: 5, pending: &pending)
        #expect(line?.hasPrefix(TrainedModel.goodLine + ",") == true)
        let (status, _) = child.wait()
        #expect(status == 0)
        #expect(!child.errors.contains("rejected"), "\(child.errors)")
    }

    @Test("I11: the reader goes away (| head -1): a clean exit status and a message, not SIGPIPE")
    func readerGoesAway() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        try directory.write(Array(SyntheticStream(rows: 200_000, seed: 2, labelColumn: false).csv.utf8), to: "big.csv")
        let child = try Child(
            ["score", "--model", model], stdin: .file(directory.file("big.csv")), stdout: .pipe,
            stderr: (directory, "err"))
        let output = try #require(child.output)
        var pending: [UInt8] = []
        #expect(readLine(output, within: 10, pending: &pending) != nil)
        close(output)
        let (status, signal) = child.waitKeepingOutput()
        #expect(signal == nil)
        #expect(status == 0)
        #expect(child.errors.contains("the output was closed by its reader"))
    }

    @Test("I15: a rejects file that cannot be written is counted and logged; scoring goes on, or stops with --strict")
    func rejectsFileFull() throws {
        let directory = try TestDirectory("cli")
        defer { directory.remove() }
        let model = try TrainedModel.make(in: directory)
        let input = Array(
            ([TrainedModel.header, TrainedModel.goodLine, "1,2", TrainedModel.goodLine].joined(separator: "\n") + "\n")
                .utf8)
        let full = try vaewatch(["score", "--model", model, "--rejects", "/dev/full"], input: input, in: directory)
        #expect(full.status == 0, "\(full.stderr)")
        #expect(full.lines.count == 3)
        #expect(full.stderr.contains("cannot write to the rejects file /dev/full: No space left on device"))
        let closed = try vaewatch(
            ["score", "--model", model, "--rejects", "/proc/version/rejects.jsonl"], input: input, in: directory)
        #expect(closed.status == 0, "\(closed.stderr)")
        #expect(closed.lines.count == 3)
        #expect(closed.stderr.contains("cannot open the rejects file"))
        let strict = try vaewatch(
            ["score", "--model", model, "--rejects", "/dev/full", "--strict"], input: input, in: directory)
        #expect(strict.status == 74)
    }
}
