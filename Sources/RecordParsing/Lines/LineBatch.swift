/// Where one line (one CSV record, one JSON object) lies in the reader's buffer.
package struct LineSpan: Sendable, Equatable {
    /// Offset of its first byte in ``LineBatch/bytes``.
    package var offset: Int
    /// Its length in bytes, without the line ending (`\n` or `\r\n`).
    package var length: Int
    /// Its 1-based line number in the input (the first physical line, for a CSV record that spans lines).
    package var number: Int

    /// Creates a span.
    package init(offset: Int, length: Int, number: Int) {
        self.offset = offset
        self.length = length
        self.number = number
    }
}

/// A line dropped because it is longer than the reader's limit; it was never held in memory as a whole.
package struct OversizeLine: Sendable, Equatable {
    /// Its 1-based line number.
    package var number: Int
    /// Bytes it had when it ended (or when the input ended).
    package var bytes: Int
    /// Whether it grew long because a quoted CSV field was never closed.
    package var unclosedQuote: Bool
}

/// The complete lines one call of ``LineReader/next()`` found. The bytes belong to the reader and stay
/// valid until its next call.
package struct LineBatch {
    /// The reader's buffer.
    package var bytes: UnsafeRawPointer
    /// The lines, in input order.
    package var lines: [LineSpan]
    /// Lines dropped for length, in input order.
    package var oversize: [OversizeLine]

    /// The bytes of `span`.
    package func bytes(of span: LineSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes + span.offset, count: span.length)
    }
}
