#if canImport(Glibc)
    import Glibc
#endif

/// Where a private test cluster (``PostgresCluster``) listens on TCP besides its Unix socket: IPv4 addresses of this
/// host and one port, and the networks whose clients it trusts there (`host all all <network> trust` in pg_hba.conf;
/// initdb's own rules already trust 127.0.0.1).
public struct TCPListening: Sendable {
    /// IPv4 addresses of this host (each must exist when the server starts).
    public var addresses: [String]
    /// The port, on every address.
    public var port: Int
    /// Networks in CIDR notation (`198.18.7.0/24`) whose clients connect without a password.
    public var trustedNetworks: [String]

    /// Listening on `addresses` at `port`, trusting `trustedNetworks`.
    public init(addresses: [String], port: Int, trustedNetworks: [String] = []) {
        self.addresses = addresses
        self.port = port
        self.trustedNetworks = trustedNetworks
    }

    /// A TCP port that is free on `address` now: one the kernel picks for a socket bound to port 0 there, closed at
    /// once (another process could take it before the server does; no test runs long enough between for that to
    /// matter).
    public static func freePort(on address: String = "127.0.0.1") throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw PostgresClusterError.system(operation: "socket", errno: errno) }
        defer { close(descriptor) }
        var bound = sockaddr_in()
        bound.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, address, &bound.sin_addr) == 1 else {
            throw PostgresClusterError.system(operation: "inet_pton \(address)", errno: EINVAL)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &bound) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 ? getsockname(descriptor, address, &length) : -1
            }
        }
        guard rc == 0 else { throw PostgresClusterError.system(operation: "bind \(address):0", errno: errno) }
        return Int(UInt16(bigEndian: bound.sin_port))
    }
}
