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

/// Which way bytes go through a ``FaultProxy`` link.
enum Direction: Sendable {
    case toServer, toClient
}

/// Chunks read but not yet due, for a delayed direction.
final class DelayQueue: Sendable {
    private let chunks = Mutex<(items: [(due: ContinuousClock.Instant, bytes: [UInt8])], closed: Bool)>(([], false))

    func push(_ bytes: [UInt8], due: ContinuousClock.Instant) { chunks.withLock { $0.items.append((due, bytes)) } }
    func close() { chunks.withLock { $0.closed = true } }

    /// The next chunk once due; nil when the queue is closed and empty.
    func pop() -> [UInt8]? {
        while true {
            let next = chunks.withLock {
                state -> (item: (due: ContinuousClock.Instant, bytes: [UInt8])?, closed: Bool) in
                (state.items.first, state.closed)
            }
            guard let item = next.item else {
                if next.closed { return nil }
                usleep(1_000)
                continue
            }
            let now = ContinuousClock.now
            if item.due > now {
                let (seconds, attoseconds) = (item.due - now).components
                usleep(useconds_t(min(seconds * 1_000_000 + attoseconds / 1_000_000_000_000, 5_000)))
                continue
            }
            chunks.withLock { _ = $0.items.removeFirst() }
            return item.bytes
        }
    }
}

/// One proxied connection: the client's socket, the server's, its fault, and the protocol scanner that finds a
/// `COMMIT` in what the client sends.
final class Link: Sendable {
    let client: CInt
    let server: CInt
    let fault: FaultProxy.Fault
    private let onFire: @Sendable () -> Void
    private let state = Mutex(LinkState())

    private struct LinkState {
        var passed = 0
        var ended = false
        var frozen = false
        var commitSent = false
        var threadsLeft = 2
        var scanner = StartupScanner()
    }

    init(client: CInt, server: CInt, fault: FaultProxy.Fault, onFire: @escaping @Sendable () -> Void) {
        self.client = client
        self.server = server
        self.fault = fault
        self.onFire = onFire
        if case .delay = fault { state.withLock { $0.threadsLeft = 4 } }
    }

    /// Forwards `direction` until either side closes or the fault ends the link.
    func pump(_ direction: Direction) {
        defer { threadDone() }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let (from, to) = direction == .toServer ? (client, server) : (server, client)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                end(reset: false)
                return
            }
            let chunk = Array(buffer[..<count])
            guard let allowed = admit(chunk, direction) else { return }
            guard send(all: allowed, to: to) else {
                end(reset: false)
                return
            }
        }
    }

    /// A delayed direction's reader: stamps what arrives and queues it.
    func read(_ direction: Direction, into queue: DelayQueue, delay: Duration) {
        defer {
            queue.close()
            threadDone()
        }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let from = direction == .toServer ? client : server
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            queue.push(Array(buffer[..<count]), due: .now + delay)
        }
    }

    /// A delayed direction's writer: sends each chunk when due.
    func write(_ direction: Direction, from queue: DelayQueue) {
        defer { threadDone() }
        let to = direction == .toServer ? server : client
        while let chunk = queue.pop() {
            guard send(all: chunk, to: to) else { break }
        }
        end(reset: false)
    }

    /// What of `chunk` may go on (all of it, or the bytes before the fault); nil when the link has ended.
    private func admit(_ chunk: [UInt8], _ direction: Direction) -> [UInt8]? {
        let decision = state.withLock { state -> (bytes: [UInt8]?, fire: Fire?) in
            guard !state.ended else { return (nil, nil) }
            if direction == .toServer {
                state.scanner.scan(chunk)
                // Marked before the COMMIT goes on, so that its reply finds it marked.
                if case .dropCommitReply = fault, state.scanner.sawCommit { state.commitSent = true }
            }
            switch fault {
            case .pass, .delay:
                return (chunk, nil)
            case .reset(let limit), .freeze(let limit):
                let room = limit - state.passed
                guard room < chunk.count else {
                    state.passed += chunk.count
                    return (chunk, nil)
                }
                state.passed = limit
                if case .freeze = fault {
                    state.frozen = true
                    return (Array(chunk.prefix(max(0, room))), .freeze)
                }
                return (Array(chunk.prefix(max(0, room))), .reset)
            case .dropCommitReply:
                if direction == .toClient, state.commitSent { return (nil, .reset) }
                return (chunk, nil)
            }
        }
        switch decision.fire {
        case .reset?:
            if let bytes = decision.bytes, !bytes.isEmpty {
                _ = send(all: bytes, to: direction == .toServer ? server : client)
            }
            onFire()
            end(reset: true)
            return nil
        case .freeze?:
            if let bytes = decision.bytes, !bytes.isEmpty {
                _ = send(all: bytes, to: direction == .toServer ? server : client)
            }
            onFire()
            while state.withLock({ !$0.ended }) { usleep(10_000) }
            return nil
        case nil:
            if decision.bytes == nil, state.withLock({ $0.frozen }) {
                while state.withLock({ !$0.ended }) { usleep(10_000) }
            }
            return decision.bytes
        }
    }

    private enum Fire { case reset, freeze }

    /// Ends the link: with `reset`, the client's side is closed with a TCP RST (SO_LINGER 0). Both sockets stop
    /// reading at once; they are closed when the link's last thread is done.
    func end(reset: Bool) {
        let first = state.withLock { state -> Bool in
            defer { state.ended = true }
            return !state.ended
        }
        guard first else { return }
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        shutdown(server, Int32(SHUT_RDWR))
        shutdown(client, Int32(reset ? SHUT_RD : SHUT_RDWR))
    }

    private func threadDone() {
        let last = state.withLock { state -> Bool in
            state.threadsLeft -= 1
            return state.threadsLeft == 0
        }
        guard last else { return }
        close(client)
        close(server)
    }

    private func send(all bytes: [UInt8], to socket: CInt) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }
}

/// Follows the frontend's side of the PostgreSQL protocol far enough to see a `COMMIT` go by: the untyped startup
/// packets (an SSL or GSS encryption request, then the startup message), then typed messages, of which a simple
/// query (`Q`) or a parse (`P`) whose text starts with COMMIT counts.
struct StartupScanner: Sendable {
    private var started = false
    private var pending: [UInt8] = []
    /// Whether a COMMIT has gone by.
    private(set) var sawCommit = false

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
