internal import Glibc

extension SystemCalls {
    /// The machine's host name (`gethostname(2)`), or "localhost" when it has none or it cannot be read.
    package static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard Glibc.gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
