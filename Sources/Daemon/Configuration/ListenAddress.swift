import Glibc

/// `metrics.listen`: an IP address and a port, such as `127.0.0.1:9751` or `[::1]:9751`. A host name is not
/// accepted: the daemon binds to one address it knows without asking a resolver, and `check-config` can tell a typo
/// from a name. Port 0 lets the kernel pick a free port, which the daemon logs.
struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The address without brackets: `127.0.0.1`, `::1`.
    let host: String
    /// Whether ``host`` is an IPv6 address.
    let isIPv6: Bool
    /// The port, 0…65535.
    let port: UInt16

    /// What an address looks like, for messages.
    static let example = "an IP address and a port, such as 127.0.0.1:9751 or [::1]:9751"

    /// Parses `text`; throws what is wrong, with what would be accepted.
    init(parsing text: String) throws(ValueProblem) {
        let shown = YAMLText.quoted(text)
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ValueProblem("expected \(Self.example), found \(shown): an IPv6 address needs [ ] and a port")
            }
            hostText = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ValueProblem("expected \(Self.example), found \(shown): no port")
            }
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
            if hostText.contains(":") {
                throw ValueProblem("expected \(Self.example), found \(shown): write an IPv6 address in brackets")
            }
        }
        guard let port = UInt16(portText) else {
            throw ValueProblem(
                "expected \(Self.example), found \(shown): the port must be a whole number from 0 to 65535")
        }
        let isIPv6 = text.hasPrefix("[")
        guard Self.isAddress(String(hostText), ipv6: isIPv6) else {
            throw ValueProblem(
                "expected \(Self.example), found \(shown): \(YAMLText.quoted(String(hostText))) is not an "
                    + "IP\(isIPv6 ? "v6" : "v4") address (host names are not accepted; 127.0.0.1 serves this host "
                    + "only, 0.0.0.0 every interface)")
        }
        self.host = String(hostText)
        self.isIPv6 = isIPv6
        self.port = port
    }

    /// `127.0.0.1:9751`, `[::1]:9751`.
    var description: String { (isIPv6 ? "[\(host)]" : host) + ":\(port)" }

    /// Whether `text` is a numeric IPv4 (or, with `ipv6`, IPv6) address (`inet_pton(3)`).
    private static func isAddress(_ text: String, ipv6: Bool) -> Bool {
        var buffer = (UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { bytes in
            inet_pton(ipv6 ? AF_INET6 : AF_INET, text, bytes.baseAddress) == 1
        }
    }
}

extension ListenAddress {
    /// What is wrong with `text` as an address, or nil when it is one.
    static func problem(with text: String) -> String? {
        do {
            _ = try ListenAddress(parsing: text)
            return nil
        } catch {
            return error.message
        }
    }
}
