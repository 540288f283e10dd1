import Glibc
import Synchronization
import SystemIO
import Testing

/// ``SystemCalls/writeAll(_:_:path:)`` against a pipe whose reader is slow and whose writer is interrupted by
/// signals, so that `write` returns short counts and `EINTR`.
@Suite struct WriteAllTests {
    @Test func aSlowReaderAndInterruptingSignalsStillGetEveryByteInOrder() throws {
        var ends: [CInt] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        _ = fcntl(ends[1], 1031, 4096)  // F_SETPIPE_SZ, the smallest buffer: a 1 MiB write takes many turns
        installInterruptingHandler()
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let writer = try InterruptibleWriter(descriptor: ends[1], bytes: bytes)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1000)
        var reads = 0
        while true {
            if reads % 8 == 0 { writer.interrupt() }
            let count = chunk.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            try #require(count >= 0, "read: errno \(errno)")
            if count == 0 { break }
            received += chunk[..<count]
            reads += 1
            if reads % 64 == 0 { usleep(200) }  // slow down, so the writer finds the pipe full
        }
        let failure = writer.join()
        #expect(failure == nil, "\(failure?.description ?? "")")
        #expect(received.count == bytes.count)
        let inOrder = received == bytes  // not in the expectation, which would print a megabyte of each
        #expect(inOrder, "the bytes arrived out of order or changed")
    }

    @Test func aWriteToAPipeNobodyReadsStopsAtTheBrokenPipe() throws {
        var ends: [CInt] = [0, 0]
        try #require(pipe(&ends) == 0)
        close(ends[0])
        defer { close(ends[1]) }
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let bytes = [UInt8](repeating: 7, count: 100)
        let written = try bytes.withUnsafeBytes { try SystemCalls.writeAllUnlessClosed(ends[1], $0) }
        #expect(written == 0)
        let error = try #require(throws: SystemCallError.self) {
            try bytes.withUnsafeBytes { try SystemCalls.writeAll(ends[1], $0, path: "<pipe>") }
        }
        #expect(error.isBrokenPipe && error.call == "write" && error.path == "<pipe>")
    }
}

/// A do-nothing handler for SIGURG installed without `SA_RESTART`, so a blocked `write` returns early.
private func installInterruptingHandler() {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in }
    action.sa_flags = 0
    sigemptyset(&action.sa_mask)
    sigaction(SIGURG, &action, nil)
}

/// A thread that writes `bytes` to `descriptor` with ``SystemCalls/writeAll(_:_:path:)``, then closes it; SIGURG
/// sent to it by ``interrupt()`` interrupts its `write`s.
private final class InterruptibleWriter: @unchecked Sendable {
    private let descriptor: CInt
    private let bytes: [UInt8]
    private var thread = pthread_t()
    private let done = Atomic<Bool>(false)
    private var failure: SystemCallError?

    init(descriptor: CInt, bytes: [UInt8]) throws {
        self.descriptor = descriptor
        self.bytes = bytes
        let box = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { argument in
                let writer = Unmanaged<InterruptibleWriter>.fromOpaque(argument!).takeRetainedValue()
                writer.run()
                return nil
            }, box)
        try #require(rc == 0, "pthread_create: \(rc)")
    }

    private func run() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGURG)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        do {
            try bytes.withUnsafeBufferPointer { (buffer) throws(SystemCallError) in
                try SystemCalls.writeAll(descriptor, UnsafeRawBufferPointer(buffer), path: "<pipe>")
            }
        } catch {
            failure = error
        }
        close(descriptor)
        done.store(true, ordering: .releasing)
    }

    /// Sends SIGURG to the thread while it is still writing.
    func interrupt() {
        if !done.load(ordering: .acquiring) { pthread_kill(thread, SIGURG) }
    }

    /// Waits for the thread; returns its failure, if any.
    func join() -> SystemCallError? {
        pthread_join(thread, nil)
        return failure
    }
}
