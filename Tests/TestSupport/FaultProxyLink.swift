import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

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
        var scanner = FrontendScanner()
    }

    /// The client's round trips on this link so far (``FrontendScanner/roundTrips``; not counted on a delayed
    /// link).
    var roundTrips: Int { state.withLock { $0.scanner.roundTrips } }

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
            // Ended, or frozen by the other direction: nothing more goes on (the caller waits for the end).
            guard !state.ended, !state.frozen else { return (nil, nil) }
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
