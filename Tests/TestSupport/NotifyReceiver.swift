import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Why a ``NotifyReceiver`` could not be set up.
public struct NotifyReceiverError: Error, CustomStringConvertible {
    /// What failed, with the error number and what to check.
    public let description: String
}

/// One datagram received on the fake `NOTIFY_SOCKET`.
public struct NotifyMessage: Sendable, CustomStringConvertible {
    /// The datagram's text as sent, e.g. `READY=1\nSTATUS=scoring`.
    public let text: String
    /// When it arrived, in seconds on `CLOCK_MONOTONIC` (the clock of ``NotifyReceiver/now()`` and of
    /// `MONOTONIC_USEC`).
    public let time: Double
    /// Its `NAME=value` assignments in order: one per line, split at the first `=`; a line without `=` has an
    /// empty value.
    public let assignments: [(name: String, value: String)]
    /// The sender's process ID from `SCM_CREDENTIALS`, or nil when the datagram carried none.
    public let senderPID: pid_t?
    /// How many file descriptors arrived with it through `SCM_RIGHTS` (all closed on arrival).
    public let descriptorCount: Int

    /// The value of the last assignment to `name`, or nil when the datagram does not set it.
    public func value(of name: String) -> String? { assignments.last { $0.name == name }?.value }

    /// True when one of the datagram's lines is exactly `assignment` (such as `READY=1`).
    public func contains(_ assignment: String) -> Bool {
        assignments.contains { $0.name + "=" + $0.value == assignment }
    }

    /// The text with newlines shown as `\n`, and the arrival time.
    public var description: String {
        "[\(formatSeconds(time))] "
            + text.split(separator: "\n", omittingEmptySubsequences: false)
            .joined(separator: "\\n")
    }
}

/// A stand-in for systemd's notification socket: an `AF_UNIX`/`SOCK_DGRAM` socket bound at a short path
/// (`/tmp/vwn-XXXXXX/n`, since `sun_path` holds 108 bytes), with `SO_PASSCRED` on, and a background thread that
/// receives every datagram with `recvmsg`, records its text, sender and arrival time on `CLOCK_MONOTONIC`, and
/// closes every descriptor that arrives through `SCM_RIGHTS`: a `systemd-notify` barrier (`BARRIER=1` with the
/// write end of a pipe) waits until the receiver has closed it (RELIABILITY.md, L5).
///
/// Pass ``socketPath`` to the child as `NOTIFY_SOCKET`; call ``close()`` when done (it stops the thread and
/// removes the socket and its folder).
public final class NotifyReceiver: Sendable {
    /// The socket's path, for `NOTIFY_SOCKET=` in the child's environment.
    public let socketPath: String
    /// `NOTIFY_SOCKET=<socketPath>`, ready to add to a child's environment.
    public var environmentEntry: String { "NOTIFY_SOCKET=" + socketPath }

    private let directory: String
    private let socket: CInt
    /// The read and write ends of the pipe that tells the thread to stop.
    private let wakeup: (read: CInt, write: CInt)
    private let state = Mutex(State())

    private struct State {
        var messages: [NotifyMessage] = []
        var thread: pthread_t?
        var closed = false
        var receiveError: String?
    }

    /// Largest datagram accepted whole; systemd itself takes at most a few KiB.
    private static let bufferSize = 256 * 1024
    /// Room for about 1,000 descriptors and the credentials, so `MSG_CTRUNC` (which drops descriptors) never
    /// happens in practice.
    private static let controlSize = 8 * 1024
    private static let scmRights: CInt = 1
    private static let scmCredentials: CInt = 2
    private static let passCredentials: CInt = 16
    private static let closeOnExecForReceived: CInt = 0x4000_0000

    /// Binds the socket and starts the receiving thread.
    public init() throws {
        var template = Array("/tmp/vwn-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw NotifyReceiverError(description: "mkdtemp /tmp/vwn-XXXXXX: errno \(errno); is /tmp writable?")
        }
        directory = String(cString: created)
        socketPath = directory + "/n"
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            rmdir(directory)
            throw NotifyReceiverError(description: "socket(AF_UNIX, SOCK_DGRAM): errno \(errno)")
        }
        socket = descriptor
        var on: CInt = 1
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        var ends: [CInt] = [-1, -1]
        guard setsockopt(descriptor, SOL_SOCKET, Self.passCredentials, &on, socklen_t(MemoryLayout<CInt>.size)) == 0,
            bound == 0, pipe(&ends) == 0
        else {
            let failure = errno
            Glibc.close(descriptor)
            unlink(socketPath)
            rmdir(directory)
            throw NotifyReceiverError(
                description: "binding \(socketPath) (SO_PASSCRED, bind, pipe): errno \(failure)")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        wakeup = (ends[0], ends[1])
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { context in
                let receiver = Unmanaged<NotifyReceiver>.fromOpaque(context!).takeRetainedValue()
                receiver.receiveLoop()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<NotifyReceiver>.fromOpaque(context).release()
            throw NotifyReceiverError(description: "pthread_create: errno \(rc)")
        }
        state.withLock { $0.thread = thread }
    }

    deinit {
        Glibc.close(socket)
        Glibc.close(wakeup.read)
        Glibc.close(wakeup.write)
    }

    /// Now on `CLOCK_MONOTONIC`, in seconds: the clock of ``NotifyMessage/time``.
    public static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }

    /// Every datagram so far, in arrival order.
    public var messages: [NotifyMessage] { state.withLock { $0.messages } }

    /// The first datagram so far that satisfies `predicate`.
    public func first(where predicate: (NotifyMessage) -> Bool) -> NotifyMessage? {
        messages.first(where: predicate)
    }

    /// How many datagrams so far have a line exactly equal to `assignment`, e.g. `count(of: "WATCHDOG=1")`.
    public func count(of assignment: String) -> Int { messages.filter { $0.contains(assignment) }.count }

    /// The datagrams with a line equal to `assignment`, in arrival order.
    public func messages(containing assignment: String) -> [NotifyMessage] {
        messages.filter { $0.contains(assignment) }
    }

    /// Waits up to `timeout` for a datagram that satisfies `predicate` (one that already arrived counts) and
    /// returns the first such; nil when none came in time.
    public func wait(for predicate: (NotifyMessage) -> Bool, within timeout: Duration) -> NotifyMessage? {
        var found: NotifyMessage?
        _ = eventually(within: timeout) {
            found = first(where: predicate)
            return found != nil
        }
        return found
    }

    /// Waits up to `timeout` for a datagram with the line `assignment` that arrived at or after `time` (seconds on
    /// `CLOCK_MONOTONIC`, default: any time).
    public func wait(for assignment: String, after time: Double = 0, within timeout: Duration) -> NotifyMessage? {
        wait(for: { $0.time >= time && $0.contains(assignment) }, within: timeout)
    }

    /// A description of a receive failure on the background thread, or nil when every `recvmsg` succeeded.
    public var receiveError: String? { state.withLock { $0.receiveError } }

    /// Every datagram so far, one per line, for failure messages.
    public var transcript: String { messages.map(\.description).joined(separator: "\n") }

    /// Stops the receiving thread, closes the socket and removes its folder. Later calls do nothing.
    public func close() {
        let thread: pthread_t? = state.withLock { state in
            guard !state.closed else { return nil }
            state.closed = true
            return state.thread
        }
        guard let thread else { return }
        var byte: UInt8 = 1
        _ = write(wakeup.write, &byte, 1)
        pthread_join(thread, nil)
        unlink(socketPath)
        rmdir(directory)
    }

    /// Receives datagrams until ``close()`` writes to the wake-up pipe.
    private func receiveLoop() {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
        let control = UnsafeMutableRawPointer.allocate(byteCount: Self.controlSize, alignment: 16)
        defer {
            buffer.deallocate()
            control.deallocate()
        }
        var entries = [
            pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeup.read, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&entries, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                state.withLock { $0.receiveError = "poll: errno \(errno)" }
                return
            }
            if entries[1].revents != 0 { return }
            guard entries[0].revents != 0 else { continue }
            receiveOne(buffer: buffer, control: control)
        }
    }

    /// Receives one datagram, closes the descriptors it carried and records it.
    private func receiveOne(buffer: UnsafeMutableRawPointer, control: UnsafeMutableRawPointer) {
        var vector = iovec(iov_base: buffer, iov_len: Self.bufferSize)
        var header = msghdr()
        let received = withUnsafeMutablePointer(to: &vector) { vectorPointer in
            header.msg_iov = vectorPointer
            header.msg_iovlen = 1
            header.msg_control = control
            header.msg_controllen = Self.controlSize
            return recvmsg(socket, &header, Self.closeOnExecForReceived | Int32(MSG_DONTWAIT))
        }
        let time = Self.now()
        guard received >= 0 else {
            if errno != EAGAIN && errno != EINTR {
                state.withLock { $0.receiveError = "recvmsg: errno \(errno)" }
            }
            return
        }
        let (senderPID, descriptors) = Self.closeDescriptors(control: control, length: Int(header.msg_controllen))
        let text = String(decoding: UnsafeRawBufferPointer(start: buffer, count: received), as: UTF8.self)
        let assignments = text.split(separator: "\n").map { line -> (name: String, value: String) in
            guard let equals = line.firstIndex(of: "=") else { return (String(line), "") }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }
        let message = NotifyMessage(
            text: text, time: time, assignments: assignments, senderPID: senderPID, descriptorCount: descriptors)
        state.withLock { $0.messages.append(message) }
    }

    /// Walks the control messages (the layout of `CMSG_FIRSTHDR`/`CMSG_NXTHDR` on Linux: a `cmsghdr`, then its data,
    /// each padded to `size_t`), closes every `SCM_RIGHTS` descriptor, and returns the `SCM_CREDENTIALS` pid and how
    /// many descriptors were closed.
    private static func closeDescriptors(control: UnsafeMutableRawPointer, length: Int) -> (pid_t?, Int) {
        let align = MemoryLayout<Int>.size
        func aligned(_ value: Int) -> Int { (value + align - 1) & ~(align - 1) }
        let headerSize = aligned(MemoryLayout<cmsghdr>.size)
        var offset = 0
        var pid: pid_t?
        var closed = 0
        while offset + headerSize <= length {
            let item = control.advanced(by: offset).load(as: cmsghdr.self)
            let itemLength = Int(item.cmsg_len)
            guard itemLength >= headerSize, offset + itemLength <= length else { break }
            let data = control.advanced(by: offset + headerSize)
            let dataLength = itemLength - headerSize
            if item.cmsg_level == SOL_SOCKET && item.cmsg_type == scmRights {
                for index in 0..<(dataLength / MemoryLayout<CInt>.size) {
                    Glibc.close(data.loadUnaligned(fromByteOffset: index * MemoryLayout<CInt>.size, as: CInt.self))
                    closed += 1
                }
            } else if item.cmsg_level == SOL_SOCKET && item.cmsg_type == scmCredentials
                && dataLength >= 3 * MemoryLayout<Int32>.size
            {
                pid = data.loadUnaligned(as: Int32.self)
            }
            offset += aligned(itemLength)
        }
        return (pid, closed)
    }
}

/// `seconds` with three decimals, for transcripts.
func formatSeconds(_ seconds: Double) -> String {
    let milliseconds = Int((seconds * 1000).rounded())
    let fraction = String(milliseconds % 1000)
    return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}
