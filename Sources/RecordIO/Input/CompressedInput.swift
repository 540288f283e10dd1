import RecordParsing

/// Compressed input, known by its first bytes: vaewatch reads text, so it says how to decompress rather than
/// rejecting binary lines one by one.
enum CompressedInput {
    /// The first two bytes of every gzip file (RFC 1952).
    static let gzipMagic: [UInt8] = [0x1F, 0x8B]

    /// The refusal of an input that starts with `leadingBytes`, or nil when it does not look compressed.
    static func refusal(leadingBytes: [UInt8], source: String) -> RecordIOError? {
        guard leadingBytes.starts(with: gzipMagic) else { return nil }
        let file = source == "<stdin>" ? "FILE" : source
        return RecordIOError(
            .data,
            "\(source): this looks gzip-compressed (it starts with the bytes 1f 8b), and vaewatch reads plain text: "
                + "decompress it on the way in, e.g. zcat \(file) | vaewatch …")
    }
}
