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
        guard let error = SystemCalls.writeAll(descriptor, bytes) else { return }
        if error.isBrokenPipe {
            throw RecordIOError(.outputClosed, "\(name) was closed by its reader")
        }
        throw RecordIOError(.output, "cannot write to \(name): \(error)")
    }

    /// Writes all of `bytes`.
    package func write(_ bytes: [UInt8]) throws(RecordIOError) {
        let failure: RecordIOError? = bytes.withUnsafeBytes { raw in
            do throws(RecordIOError) { try write(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Writes the formatted buffers in order.
    func write(_ buffers: [OutputBuffer]) throws(RecordIOError) {
        for buffer in buffers where buffer.count > 0 {
            try write(UnsafeRawBufferPointer(start: buffer.bytes, count: buffer.count))
        }
    }
}
