#if canImport(Glibc)
    internal import Glibc
#endif
internal import SystemIO

/// Reads lines from a file descriptor in large blocks and hands them out in batches.
///
/// - A batch closes when the buffer is full, at end of input, or `batchDeadline` seconds after its first
///   complete line arrived, whichever comes first: large batches when input is fast, low latency when it
///   trickles. A partial line is never handed out before its newline (or the end of input) arrives.
/// - A line longer than `maximumLineBytes` is reported as an ``OversizeLine`` and skipped without being held:
///   memory stays bounded by the buffer, `maximumLineBytes + blockBytes`.
/// - A UTF-8 byte-order mark at the very start is dropped; `\r\n` endings lose their `\r`; a last line without
///   a newline is still a line.
/// - With `quotedNewlines`, a newline inside a double-quoted CSV field does not end the record (RFC 4180), as
///   long as the record then closes and fits ``recordShape`` within the line limit; otherwise the record is its
///   first line alone and the next starts on the next line (see ``CSVQuoting``).
package final class LineReader {
    /// The input's name in messages: a path, or `<stdin>`.
    package let source: String
    private let descriptor: CInt
    private let maximumLineBytes: Int
    private let batchDeadline: Double
    private let quotedNewlines: Bool
    private let buffer: UnsafeMutableRawBufferPointer
    /// Unconsumed bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    private var atEndOfInput = false
    private var nextLineNumber = 1
    /// An oversize line being skipped: its number, bytes so far, and whether it began as an unclosed quote.
    private var skipping: OversizeLine?
    /// Called about every 250 ms while the reader waits for a complete line; when it returns false the reader
    /// stops as if the input had ended, dropping an unfinished last line (a daemon asked to stop, or beating a
    /// watchdog heartbeat while its input is idle). Nil waits without a limit.
    package var whileIdle: (() -> Bool)?
    /// Set once `whileIdle` returned false.
    private var stopped = false
    /// CSV mode: the field count and text columns of the records, once the header gave them. A quoted field
    /// that runs past its line end makes a record only if the record then fits this shape.
    package var recordShape: CSVRecordShape?
    /// The input's first bytes, up to ``leadingByteCount`` of them, as read (before a byte-order mark is dropped):
    /// what ``CompressedInput`` looks at.
    package private(set) var leadingBytes: [UInt8] = []
    /// Bytes kept in ``leadingBytes``.
    static let leadingByteCount = 2

    /// Creates a reader of `descriptor` (which it does not close).
    ///
    /// - Parameters:
    ///   - maximumLineBytes: longest line accepted, without its line ending.
    ///   - blockBytes: bytes read beyond the longest line; the size of a full batch.
    ///   - batchDeadline: seconds a batch waits for more lines after its first one arrived.
    ///   - quotedNewlines: CSV mode: newlines inside double quotes belong to the field.
    package init(
        descriptor: CInt, source: String, maximumLineBytes: Int = 1 << 20, blockBytes: Int = 4 << 20,
        batchDeadline: Double = 0.02, quotedNewlines: Bool = false
    ) {
        precondition(maximumLineBytes >= 1 && blockBytes >= 1, "LineReader: sizes must be positive")
        self.descriptor = descriptor
        self.source = source
        self.maximumLineBytes = maximumLineBytes
        self.batchDeadline = batchDeadline
        self.quotedNewlines = quotedNewlines
        // One byte more, so that a line of the longest length followed by "\r" leaves room for its "\n".
        buffer = .allocate(byteCount: maximumLineBytes + blockBytes + 1, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The next batch, or nil at the end of input. The batch's bytes stay valid until the next call.
    package func next() throws(RecordIOError) -> LineBatch? {
        while true {
            try gather()
            var batch = LineBatch(bytes: UnsafeRawPointer(buffer.baseAddress!), lines: [], oversize: [])
            split(into: &batch)
            if !batch.lines.isEmpty || !batch.oversize.isEmpty { return batch }
            if atEndOfInput && start == end && skipping == nil { return nil }
            if stopped { return nil }
        }
    }

    /// Up to `limit` complete lines already buffered after those handed out, without their line endings: a look
    /// ahead that reads nothing and consumes nothing. Lines are cut at every newline, quotes or not.
    package func bufferedLines(limit: Int) -> [[UInt8]] {
        guard skipping == nil else { return [] }
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var lines: [[UInt8]] = []
        var position = start
        while lines.count < limit, position < end {
            let newline = memchr(base + position, 0x0A, end - position).map {
                UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt8.self) - base
            }
            guard let lineEnd = newline ?? (atEndOfInput ? end : nil) else { break }
            var length = lineEnd - position
            if length > 0, base[position + length - 1] == 0x0D { length -= 1 }
            lines.append(Array(UnsafeBufferPointer(start: base + position, count: length)))
            position = lineEnd + 1
        }
        return lines
    }

    /// Reads until the buffer is full, the input ends, the batch deadline passes after the first complete
    /// line, or the unfinished last line grows past the limit; blocks while no complete line is buffered.
    private func gather() throws(RecordIOError) {
        compact()
        var firstLineAt: Double?
        // Start of the last, unfinished line among the buffered bytes.
        var tail = lastLineStart(from: start)
        while true {
            if skipping != nil {
                try skipOversize()
                tail = lastLineStart(from: start)
            }
            let hasLine = tail > start || (atEndOfInput && end > start) || isOverLimit(from: tail, to: end)
            if firstLineAt == nil, skipping == nil, hasLine { firstLineAt = SystemCalls.monotonicSeconds() }
            if atEndOfInput || end == buffer.count { return }
            // The unfinished line is already too long: stop reading, so it is never held beyond the limit.
            if skipping == nil, isOverLimit(from: tail, to: end) { return }
            if let firstLineAt {
                let left = batchDeadline - (SystemCalls.monotonicSeconds() - firstLineAt)
                guard left > 0, SystemCalls.waitReadable(descriptor, milliseconds: Int32((left * 1000).rounded(.up)))
                else { return }
            } else if let whileIdle {
                while !SystemCalls.waitReadable(descriptor, milliseconds: 250) {
                    guard whileIdle() else {
                        stopped = true
                        return
                    }
                }
            }
            let before = end
            try fill()
            tail = max(tail, lastLineStart(from: before))
        }
    }

    /// The offset just past the last newline in `buffer[from..<end]`, or `from` when there is none.
    private func lastLineStart(from: Int) -> Int {
        let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var index = end
        while index > from {
            if bytes[index - 1] == 0x0A { return index }
            index -= 1
        }
        return from
    }

    /// Most bytes one `read` asks for: large enough that system calls cost nothing, small enough that skipping
    /// a long line touches little memory beyond the line limit.
    static let readBytes = 1 << 20

    /// Moves the unconsumed bytes to the front of the buffer.
    private func compact() {
        guard start > 0 else { return }
        let count = end - start
        if count > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + start, count) }
        start = 0
        end = count
    }

    /// Reads once into the free end of the buffer.
    private func fill() throws(RecordIOError) {
        let free = UnsafeMutableRawBufferPointer(rebasing: buffer[end..<min(buffer.count, end + Self.readBytes)])
        let count: Int
        do {
            count = try SystemCalls.read(descriptor, into: free)
        } catch {
            throw RecordIOError(.input, "\(source): cannot read: \(error.message)")
        }
        if count == 0 {
            atEndOfInput = true
            return
        }
        if leadingBytes.count < Self.leadingByteCount {
            let kept = min(count, Self.leadingByteCount - leadingBytes.count)
            leadingBytes += UnsafeRawBufferPointer(rebasing: buffer[end..<(end + kept)])
        }
        end += count
    }

    /// Drops bytes of the oversize line being skipped up to its newline, reading as needed; at most one
    /// buffer's worth is ever held.
    private func skipOversize() throws(RecordIOError) {
        while var line = skipping {
            if let newline = memchr(buffer.baseAddress! + start, 0x0A, end - start) {
                let consumed = UnsafeRawPointer(newline) - UnsafeRawPointer(buffer.baseAddress! + start)
                line.bytes += consumed
                pendingOversize.append(line)
                start += consumed + 1
                skipping = nil
                return
            }
            line.bytes += end - start
            start = 0
            end = 0
            skipping = line
            if atEndOfInput {
                pendingOversize.append(line)
                skipping = nil
                return
            }
            try fill()
        }
    }

    /// Whether the bytes being split hold a double quote at all (CSV mode).
    private var quotesBuffered = false

    /// Oversize lines finished while skipping, reported with the next batch.
    private var pendingOversize: [OversizeLine] = []

    /// Cuts the buffered bytes into lines. In CSV mode the first record (the header) goes out in a batch of its
    /// own, so that the ``recordShape`` its columns give applies to every record after it.
    private func split(into batch: inout LineBatch) {
        batch.oversize = pendingOversize
        pendingOversize.removeAll(keepingCapacity: true)
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        // One scan of the whole batch for a quote spares a per-line search in the usual, quote-free input.
        quotesBuffered = quotedNewlines && start < end && memchr(base + start, 0x22, end - start) != nil
        while start < end {
            if quotedNewlines, nextLineNumber > 1, batch.lines.last?.number == 1 { break }
            var unclosedQuote = false
            var innerNewlines = 0
            var recordEnd: Int?
            switch findRecordEnd(base, from: start) {
            case .record(let found, let inner):
                recordEnd = found
                innerNewlines = inner
            case .firstLine(let found):
                // A quoted field ran on past its line without making a record: the line goes alone, to be
                // rejected for its unclosed quote, and the next record starts on the next line.
                recordEnd = found
                unclosedQuote = true
            case .undecided(let inner, let unclosed):
                innerNewlines = inner
                unclosedQuote = unclosed
            }
            if let recordEnd, !isOverLimit(from: start, to: recordEnd) {
                appendLine(base, from: start, to: recordEnd, innerNewlines: innerNewlines, into: &batch)
                start = recordEnd + 1
                continue
            }
            // A record that crossed a line end and is still undecided waits for more bytes: the scan decides
            // it by the bound, so it is never dropped as one long line.
            if recordEnd == nil, innerNewlines > 0 || !isOverLimit(from: start, to: end) {
                if !atEndOfInput { break }
                // The last line of the input, without a newline.
                appendLine(base, from: start, to: end, innerNewlines: innerNewlines, into: &batch)
                start = end
                break
            }
            // Too long: report it, and skip the rest of it unless it already ended. Newlines passed inside
            // quotes are lines too.
            let number = nextLineNumber
            nextLineNumber += 1 + innerNewlines
            if let recordEnd {
                batch.oversize.append(
                    OversizeLine(number: number, bytes: recordEnd - start, unclosedQuote: unclosedQuote))
                start = recordEnd + 1
                continue
            }
            // Its end was searched for up to the limit only: skip from there to the next newline, which may
            // already be buffered with lines after it.
            let searched = min(end, start + maximumLineBytes + 2)
            skipping = OversizeLine(number: number, bytes: searched - start, unclosedQuote: unclosedQuote)
            start = searched
            break
        }
    }

    /// Whether `buffer[lineStart..<lineEnd]`, a line without its `\n`, is longer than the limit. A last `\r`
    /// does not count: it belongs to a `\r\n` ending (or is dropped at the end of the input).
    private func isOverLimit(from lineStart: Int, to lineEnd: Int) -> Bool {
        let length = lineEnd - lineStart
        guard length > maximumLineBytes else { return false }
        return length > maximumLineBytes + 1 || buffer[lineEnd - 1] != 0x0D
    }

    private func appendLine(
        _ base: UnsafeMutablePointer<UInt8>, from lineStart: Int, to lineEnd: Int, innerNewlines: Int,
        into batch: inout LineBatch
    ) {
        var offset = lineStart
        var length = lineEnd - lineStart
        if length > 0, base[lineStart + length - 1] == 0x0D { length -= 1 }
        if nextLineNumber == 1, length >= 3, base[offset] == 0xEF, base[offset + 1] == 0xBB, base[offset + 2] == 0xBF {
            offset += 3
            length -= 3
        }
        batch.lines.append(LineSpan(offset: offset, length: length, number: nextLineNumber))
        nextLineNumber += 1 + innerNewlines
    }

    /// Where the record starting at `from` ends, as far as the buffered bytes tell.
    private func findRecordEnd(_ base: UnsafeMutablePointer<UInt8>, from recordStart: Int) -> CSVRecordEnd {
        let limit = min(end, recordStart + maximumLineBytes + 2)
        guard let found = memchr(base + recordStart, 0x0A, limit - recordStart) else {
            return .undecided(innerNewlines: 0, unclosedQuote: false)
        }
        let newline = UnsafeMutableRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
        guard quotesBuffered, memchr(base + recordStart, 0x22, newline - recordStart) != nil else {
            return .record(end: newline, innerNewlines: 0)
        }
        return CSVQuoting.recordEnd(
            base, from: recordStart, limit: limit, maximumBytes: maximumLineBytes,
            inputEndsAtLimit: atEndOfInput && limit == end, shape: recordShape)
    }
}
