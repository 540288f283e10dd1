/// Follows the frontend's side of the PostgreSQL protocol far enough to see a `COMMIT` go by and to count the
/// round trips: the untyped startup packets (an SSL or GSS encryption request, then the startup message), then
/// typed messages, of which a simple query (`Q`) or a parse (`P`) whose text starts with COMMIT counts as the
/// COMMIT.
struct FrontendScanner: Sendable {
    private var started = false
    private var pending: [UInt8] = []
    /// Whether a COMMIT has gone by.
    private(set) var sawCommit = false
    /// The messages after which the client waits for the server, startup done: a simple query (`Q`), a Sync (`S`,
    /// the end of an extended-protocol statement or of a pipeline), the end of COPY data (`c` done, `f` failed).
    /// A simple query that starts a COPY is answered by the COPY's start, the data's end by its completion: a COPY
    /// counts two.
    private(set) var roundTrips = 0

    mutating func scan(_ chunk: [UInt8]) {
        pending += chunk
        while true {
            let header = started ? 5 : 4
            guard pending.count >= header else { return }
            let lengthAt = started ? 1 : 0
            let length =
                Int(pending[lengthAt]) << 24 | Int(pending[lengthAt + 1]) << 16 | Int(pending[lengthAt + 2]) << 8
                | Int(pending[lengthAt + 3])
            let total = length + (started ? 1 : 0)
            guard length >= 4, pending.count >= total else { return }
            let message = Array(pending[..<total])
            pending.removeFirst(total)
            if !started {
                let code =
                    message.count >= 8
                    ? Int(message[4]) << 24 | Int(message[5]) << 16 | Int(message[6]) << 8 | Int(message[7]) : 0
                // 80877103: SSLRequest, 80877104: GSSENCRequest; anything else is the startup message.
                if code != 80_877_103 && code != 80_877_104 { started = true }
                continue
            }
            let kind = message[0]
            if [UInt8(ascii: "Q"), UInt8(ascii: "S"), UInt8(ascii: "c"), UInt8(ascii: "f")].contains(kind) {
                roundTrips += 1
            }
            var text = message[5...]
            if kind == UInt8(ascii: "P") {
                // Parse: the statement's name (NUL-terminated), then the query.
                guard let end = text.firstIndex(of: 0) else { continue }
                text = text[(end + 1)...]
            }
            if kind == UInt8(ascii: "Q") || kind == UInt8(ascii: "P") {
                let query = String(decoding: text.prefix(16), as: UTF8.self).uppercased()
                if query.drop(while: { $0 == " " || $0 == "\n" }).hasPrefix("COMMIT") { sawCommit = true }
            }
        }
    }
}
