internal import SystemIO
import RecordParsing

/// Writes bytes to a file descriptor (stdout, or a file), reporting a reader that went away as
/// ``RecordIOError/Code/outputClosed`` rather than dying of SIGPIPE (the command ignores SIGPIPE).
package final class OutputStream {
    private let descriptor: CInt
    private let name: String

    /// Creates a stream over `descriptor`, which it does not close; `name` appears in errors.
    package init(descriptor: CInt, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    /// Writes all of `bytes`.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(RecordIOError) {
        let written = try writeUnlessClosed(bytes)
        if written < bytes.count { throw RecordIOError(.outputClosed, "\(name) was closed by its reader") }
    }

    /// Writes all of `bytes` unless the reader goes away; returns the bytes written, fewer than all when it went
    /// away. Other failures throw.
    private func writeUnlessClosed(_ bytes: UnsafeRawBufferPointer) throws(RecordIOError) -> Int {
        do {
            return try SystemCalls.writeAllUnlessClosed(descriptor, bytes)
        } catch {
            throw RecordIOError(.output, "cannot write to \(name): \(error.message)")
        }
    }

    /// Writes all of `bytes`.
    package func write(_ bytes: [UInt8]) throws(RecordIOError) {
        let failure: RecordIOError? = bytes.withUnsafeBytes { raw in
            do throws(RecordIOError) { try write(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Writes the formatted buffers in order; returns nil when every byte was written, or, when the reader went
    /// away, how many bytes it took first. Other failures throw.
    func write(_ buffers: [OutputBuffer]) throws(RecordIOError) -> Int? {
        var total = 0
        for buffer in buffers where buffer.count > 0 {
            let written = try writeUnlessClosed(UnsafeRawBufferPointer(start: buffer.bytes, count: buffer.count))
            total += written
            if written < buffer.count { return total }
        }
        return nil
    }
}
