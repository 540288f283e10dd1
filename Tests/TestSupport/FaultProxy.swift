import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Why a ``FaultProxy`` could not be set up.
public struct FaultProxyError: Error, CustomStringConvertible {
    /// What failed, with the error number.
    public let description: String
}

/// A TCP proxy on loopback between a client (the daemon, libpq) and a PostgreSQL server, for the network rows of
/// RELIABILITY.md (P6–P8): each connection it accepts gets a ``Fault`` from the test's plan. Nothing in `Sources`
/// knows it exists: the client is simply given the proxy's port.
///
/// Every connection runs on threads of its own: one per direction, and a second per direction when it is delayed
/// (a reader that timestamps what arrives and a writer that sends it when due, so that a delay adds latency
/// without cutting throughput).
public final class FaultProxy: Sendable {
    /// What the proxy does to one connection.
    public enum Fault: Sendable, Equatable {
        /// Passes everything.
        case pass
        /// Delays every byte by this long, in each direction.
        case delay(Duration)
        /// Passes this many bytes (both directions together), then resets the client's connection (a TCP RST) and
        /// closes the server's (which rolls back whatever it had open).
        case reset(afterBytes: Int)
        /// Passes this many bytes, then forwards nothing more, either way, and keeps both connections open.
        case freeze(afterBytes: Int)
        /// Passes the client's `COMMIT` to the server, drops the server's reply, and resets the client's
        /// connection: the server committed, and the client cannot know.
        case dropCommitReply
    }

    /// The loopback port clients connect to.
    public let port: Int
    private let listener: CInt
    private let wake: (read: CInt, write: CInt)
    private let state = Mutex(State())
    private let plan: @Sendable (Int) -> Fault
    private let upstream: (host: String, port: Int)

    private struct State {
        var accepted = 0
        var fired = 0
        var acceptor: pthread_t?
        var threads: [pthread_t] = []
        var links: [Link] = []
        var stopped = false
    }

    /// A proxy to `host:port` (an IPv4 address) on a free loopback port; `plan` gives the fault of the n-th
    /// connection accepted (0, 1, 2, …).
    public init(toHost host: String = "127.0.0.1", port upstreamPort: Int, plan: @escaping @Sendable (Int) -> Fault)
        throws
    {
        upstream = (host, upstreamPort)
        self.plan = plan
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw FaultProxyError(description: "socket: errno \(errno)") }
        var yes: CInt = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<CInt>.size))
        var address = Self.address("127.0.0.1", port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, 64) == 0 else {
            let failure = errno
            close(socket)
            throw FaultProxyError(description: "bind/listen on 127.0.0.1: errno \(failure)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = socket
        var ends: [CInt] = [-1, -1]
        guard pipe(&ends) == 0 else {
            close(socket)
            throw FaultProxyError(description: "pipe: errno \(errno)")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        wake = (ends[0], ends[1])
        let acceptor = spawn(registered: false) { [self] in acceptLoop() }
        state.withLock { $0.acceptor = acceptor }
    }

    /// Connections accepted so far.
    public var accepted: Int { state.withLock { $0.accepted } }
    /// Faults carried out so far: resets, freezes and dropped COMMIT replies.
    public var fired: Int { state.withLock { $0.fired } }
    /// The round trips clients have made so far, over every connection (each simple query, Sync and end of COPY
    /// data: ``FrontendScanner/roundTrips``); delayed connections are not counted.
    public var roundTrips: Int { state.withLock { $0.links }.reduce(0) { $0 + $1.roundTrips } }

    /// Stops accepting, closes every connection and waits for every thread. Call it once the test is done (the
    /// proxy's threads keep it alive until then). Idempotent.
    public func stop() {
        let acceptor = state.withLock { state -> pthread_t?? in
            guard !state.stopped else { return nil }
            state.stopped = true
            return state.acceptor
        }
        guard let acceptor else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        if let acceptor { pthread_join(acceptor, nil) }
        // The acceptor has ended: no link or thread comes after these.
        let (threads, links) = state.withLock { ($0.threads, $0.links) }
        for link in links { link.end(reset: false) }
        for thread in threads { pthread_join(thread, nil) }
        close(listener)
        close(wake.read)
        close(wake.write)
    }

    // MARK: - Accepting

    private func acceptLoop() {
        while true {
            var fds = [
                pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let server = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = Self.address(upstream.host, port: upstream.port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard server >= 0, connected == 0 else {
                if server >= 0 { close(server) }
                close(client)
                continue
            }
            var yes: CInt = 1
            for socket in [client, server] {
                setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<CInt>.size))
            }
            let number = state.withLock { state -> Int? in
                guard !state.stopped else { return nil }
                defer { state.accepted += 1 }
                return state.accepted
            }
            guard let number else {
                close(client)
                close(server)
                return
            }
            let link = Link(client: client, server: server, fault: plan(number)) { [self] in
                state.withLock { $0.fired += 1 }
            }
            state.withLock { $0.links.append(link) }
            for direction in [Direction.toServer, .toClient] {
                if case .delay(let delay) = link.fault {
                    let queue = DelayQueue()
                    spawn { link.read(direction, into: queue, delay: delay) }
                    spawn { link.write(direction, from: queue) }
                } else {
                    spawn { link.pump(direction) }
                }
            }
        }
    }

    /// Starts `body` on a thread of its own, joined by ``stop()`` when `registered`; returns the thread.
    @discardableResult
    private func spawn(registered: Bool = true, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            return nil
        }
        if registered { state.withLock { $0.threads.append(thread) } }
        return thread
    }

    private static func address(_ host: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        return address
    }
}
