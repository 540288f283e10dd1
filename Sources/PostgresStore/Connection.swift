internal import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// One libpq connection, confined to the thread that uses it (it is not `Sendable`).
///
/// Every statement is sent asynchronously and waited for with `poll` on the connection's socket until
/// ``ConnectionSettings/statementDeadline``; past it the statement is cancelled (`PQcancel`) and the connection
/// closed, so a frozen server surfaces as ``PostgresError/Kind/deadlineExceeded`` within the deadline instead of a
/// hang. A broken connection is recognised by `PQstatus`, never by SQLSTATE.
package final class Connection {
    private var handle: OpaquePointer?
    /// Statements queued by ``enqueue(_:)`` for the next statement this connection waits for.
    var queued: [Query] = []
    /// The settings this connection was opened with.
    package let settings: ConnectionSettings
    /// The server process serving this connection.
    package let backendPID: Int32
    /// Where the connection goes, without any password: `user@host:port/database`.
    package let target: String

    /// Connects now (blocking up to the connect timeout).
    package init(_ settings: ConnectionSettings) throws(PostgresError) {
        self.settings = settings
        let connection = try Self.open(settings)
        handle = connection
        backendPID = PQbackendPID(connection)
        target = Self.describe(connection)
        PQsetNoticeReceiver(connection, { _, _ in }, nil)
        guard PQsetnonblocking(connection, 1) == 0 else {
            let message = Self.connectionMessage(connection)
            PQfinish(connection)
            handle = nil
            throw PostgresError(
                .connectFailed, message: "cannot switch the connection to non-blocking mode: \(message)")
        }
    }

    deinit { close() }

    /// Whether the connection is open and healthy as far as libpq knows.
    package var isOpen: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Closes the connection; later statements fail with ``PostgresError/Kind/connectionLost``.
    package func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        queued.removeAll()
    }

    /// `name` quoted as an identifier by `PQescapeIdentifier`, in the connection's encoding.
    package func quote(identifier name: String) throws(PostgresError) -> String {
        let connection = try open()
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw PostgresError(.configuration, message: "an empty name or one with a NUL byte cannot be an identifier")
        }
        guard let quoted = PQescapeIdentifier(connection, name, name.utf8.count) else {
            throw PostgresError(
                .configuration, message: "cannot quote the identifier \(name): \(Self.connectionMessage(connection))")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    /// The statement's text with every identifier quoted.
    package func render(_ query: Query) throws(PostgresError) -> String {
        try query.text(quotingWith: { (name: String) throws(PostgresError) -> String in try quote(identifier: name) })
    }

    /// Runs `query` and returns its rows, in binary format when `binary` is set (for the typed accessors of
    /// ``QueryResult``), in text format otherwise.
    ///
    /// Statements queued with ``enqueue(_:)`` go first, in the same round trip (``runPipeline(_:binary:deadline:)``).
    @discardableResult
    package func execute(_ query: Query, binary: Bool = false) throws(PostgresError) -> QueryResult {
        let deadline = Deadline(after: settings.statementDeadline)
        if !queued.isEmpty { return try runPipeline(takeQueued() + [query], binary: binary, deadline: deadline) }
        try send(query, binary: binary, deadline: deadline)
        switch try collect(deadline: deadline) {
        case .rows(let result): return result
        case .copyIn:
            try abandonCopy(deadline: deadline)
            throw PostgresError(.statement, message: "the statement started a COPY; use copyIn for COPY FROM STDIN")
        }
    }

    /// Ends a COPY FROM STDIN that nobody feeds, and reads the server's answer to it (57014, which the caller's
    /// reason for abandoning it replaces).
    private func abandonCopy(deadline: Deadline) throws(PostgresError) {
        try endCopy(failure: "vaewatch abandoned the COPY", deadline: deadline)
        do {
            _ = try collect(deadline: deadline)
        } catch  where error.kind == .statement {
            // The server's answer to the abandoned COPY.
        }
    }

    /// Runs `script`, which may hold several statements and no parameters, with the simple query protocol
    /// (migration files).
    package func executeScript(_ script: String) throws(PostgresError) {
        precondition(queued.isEmpty, "Connection: a script after queued statements")
        let connection = try open()
        let deadline = Deadline(after: settings.statementDeadline)
        guard PQsendQuery(connection, script) == 1 else { throw failure(connection, doing: "sending a script") }
        try flush(connection, deadline: deadline)
        guard case .rows = try collect(deadline: deadline) else {
            throw PostgresError(.statement, message: "the script started a COPY, which migrations may not do")
        }
    }

    /// Runs `statement` (a `COPY … FROM STDIN`), streams the bytes `data` makes to it, and returns the rows copied.
    ///
    /// `data` runs while the statement travels to the server and the server readies the COPY, so that making the
    /// bytes and the round trip overlap. Statements queued with ``enqueue(_:)`` go first, in the same simple query
    /// when none has parameters (a COPY cannot join a pipeline), else in a pipeline of their own.
    @discardableResult
    package func copyIn(_ statement: Query, data: () -> [UInt8]) throws(PostgresError) -> Int {
        precondition(statement.parameters.isEmpty, "Connection: COPY takes no parameters")
        let deadline = Deadline(after: settings.statementDeadline)
        if queued.contains(where: { !$0.parameters.isEmpty }) {
            _ = try runPipeline(takeQueued(), binary: false, deadline: deadline)
        }
        let text = try (takeQueued() + [statement]).map { (query) throws(PostgresError) in try render(query) }
        let connection = try open()
        guard PQsendQuery(connection, text.joined(separator: ";\n")) == 1 else {
            throw failure(connection, doing: "sending a COPY")
        }
        try flush(connection, deadline: deadline)
        let bytes = data()
        guard case .copyIn = try collect(deadline: deadline) else {
            throw PostgresError(.statement, message: "the statement did not start a COPY FROM STDIN")
        }
        try stream(bytes, connection: connection, deadline: deadline)
        guard case .rows(let result) = try collect(deadline: deadline) else {
            throw PostgresError(.statement, message: "COPY did not finish")
        }
        return result.affectedRows
    }

    /// Sends `data` as COPY data and ends the COPY.
    private func stream(_ data: [UInt8], connection: OpaquePointer, deadline: Deadline) throws(PostgresError) {
        var offset = 0
        while offset < data.count {
            let chunk = min(1 << 16, data.count - offset)
            let rc = data.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: chunk) {
                    PQputCopyData(connection, $0, Int32(chunk))
                }
            }
            if rc == 1 {
                offset += chunk
            } else if rc == 0 {
                try wait(for: Int16(POLLOUT), deadline: deadline)
            } else {
                throw failure(connection, doing: "sending COPY data")
            }
        }
        try endCopy(failure: nil, deadline: deadline)
    }

    /// A notification received on a channel this connection listens to.
    package struct Notification: Sendable, Equatable {
        /// The channel.
        package let channel: String
        /// The payload (empty when none was sent).
        package let payload: String
        /// The server process that sent it.
        package let senderPID: Int32
    }

    /// Waits up to `timeout` for notifications (after `LISTEN`), and returns those that arrived; empty on timeout.
    package func notifications(waitingUpTo timeout: Duration) throws(PostgresError) -> [Notification] {
        let connection = try open()
        guard PQconsumeInput(connection) == 1 else { throw failure(connection, doing: "reading notifications") }
        var received = drainNotifications(connection)
        if received.isEmpty {
            let deadline = Deadline(after: timeout)
            if try poll(connection, events: Int16(POLLIN), deadline: deadline) {
                guard PQconsumeInput(connection) == 1 else {
                    throw failure(connection, doing: "reading notifications")
                }
                received = drainNotifications(connection)
            }
        }
        return received
    }

    // MARK: - Sending and receiving

    private enum Outcome {
        case rows(QueryResult)
        case copyIn
    }

    func open() throws(PostgresError) -> OpaquePointer {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map(Self.connectionMessage) ?? "the connection was closed"
            close()
            throw PostgresError(.connectionLost, message: "lost the connection to \(target): \(message)")
        }
        return handle
    }

    private func send(_ query: Query, binary: Bool, deadline: Deadline) throws(PostgresError) {
        let connection = try open()
        try dispatch(query, binary: binary, on: connection)
        try flush(connection, deadline: deadline)
    }

    /// Hands `query` to libpq (`PQsendQueryParams`, results in binary format when `binary` is set) without
    /// waiting for it to leave.
    func dispatch(_ query: Query, binary: Bool, on connection: OpaquePointer) throws(PostgresError) {
        let text = try render(query)
        let wires = query.parameters.map(\.wire)
        if wires.contains(where: { $0.map { !$0.binary && $0.bytes.contains(0) } ?? false }) {
            throw PostgresError(.statement, message: "a text parameter holds a NUL byte, which PostgreSQL text cannot")
        }
        var buffers: [UnsafeMutablePointer<CChar>?] = wires.map { wire in
            guard let wire else { return nil }
            // Text-format values must end in NUL: libpq ignores their lengths.
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: wire.bytes.count + 1)
            wire.bytes.withUnsafeBytes {
                if $0.count > 0 {
                    UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
                }
            }
            buffer[wire.bytes.count] = 0
            return buffer
        }
        defer { for buffer in buffers { buffer?.deallocate() } }
        let lengths = wires.map { Int32($0?.bytes.count ?? 0) }
        let formats = wires.map { Int32($0?.binary == true ? 1 : 0) }
        let sent = buffers.withUnsafeMutableBufferPointer { values in
            values.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, values.count)) {
                valuePointer in
                PQsendQueryParams(
                    connection, text, Int32(wires.count), nil, wires.isEmpty ? nil : valuePointer,
                    wires.isEmpty ? nil : lengths, wires.isEmpty ? nil : formats, binary ? 1 : 0)
            }
        }
        guard sent == 1 else { throw failure(connection, doing: "sending a statement") }
    }

    func flush(_ connection: OpaquePointer, deadline: Deadline) throws(PostgresError) {
        while true {
            let rc = PQflush(connection)
            if rc == 0 { return }
            if rc < 0 { throw failure(connection, doing: "sending to the server") }
            let ready = try poll(connection, events: Int16(POLLOUT | POLLIN), deadline: deadline)
            if !ready { try expire(connection) }
            guard PQconsumeInput(connection) == 1 else { throw failure(connection, doing: "reading from the server") }
        }
    }

    private func wait(for events: Int16, deadline: Deadline) throws(PostgresError) {
        let connection = try open()
        if !(try poll(connection, events: events | Int16(POLLIN), deadline: deadline)) { try expire(connection) }
        guard PQconsumeInput(connection) == 1 else { throw failure(connection, doing: "reading from the server") }
        try flush(connection, deadline: deadline)
    }

    private func endCopy(failure reason: String?, deadline: Deadline) throws(PostgresError) {
        let connection = try open()
        while true {
            let rc = PQputCopyEnd(connection, reason)
            if rc == 1 { break }
            if rc < 0 { throw failure(connection, doing: "ending COPY") }
            try wait(for: Int16(POLLOUT), deadline: deadline)
        }
        try flush(connection, deadline: deadline)
    }

    /// Reads results until libpq has none left (or a COPY starts); throws the first error among them.
    private func collect(deadline: Deadline) throws(PostgresError) -> Outcome {
        let connection = try open()
        var last: QueryResult?
        var firstError: PostgresError?
        while let result = try nextResult(connection, deadline: deadline) {
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                if firstError == nil { last = QueryResult(result) } else { PQclear(result) }
            case PGRES_COPY_IN:
                PQclear(result)
                return .copyIn
            default:
                if firstError == nil { firstError = Self.statementError(result, connection) }
                PQclear(result)
            }
        }
        if let firstError {
            if PQstatus(connection) != CONNECTION_OK {
                close()
                throw PostgresError(.connectionLost, message: "lost the connection to \(target): \(firstError.message)")
            }
            throw firstError
        }
        guard let last else { throw PostgresError(.statement, message: "the server returned no result") }
        return .rows(last)
    }

    /// Waits for libpq's next result (`PQgetResult`), reading from the socket until the deadline; nil when the
    /// statement (in a pipeline: the pipeline's current statement) has no more.
    func nextResult(_ connection: OpaquePointer, deadline: Deadline) throws(PostgresError) -> OpaquePointer? {
        while PQisBusy(connection) == 1 {
            if !(try poll(connection, events: Int16(POLLIN), deadline: deadline)) { try expire(connection) }
            guard PQconsumeInput(connection) == 1 else { throw failure(connection, doing: "reading a result") }
        }
        return PQgetResult(connection)
    }

    /// Waits until the socket is ready for `events` or the deadline passes; false on timeout.
    func poll(_ connection: OpaquePointer, events: Int16, deadline: Deadline) throws(PostgresError) -> Bool {
        let socket = PQsocket(connection)
        guard socket >= 0 else { throw failure(connection, doing: "waiting for the server") }
        while true {
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            let rc = Glibc.poll(&descriptor, 1, deadline.remainingMilliseconds)
            if rc > 0 { return true }
            if rc == 0 { return false }
            if errno != EINTR { throw PostgresError(.connectionLost, message: "poll failed: errno \(errno)") }
        }
    }

    /// The deadline passed: ask the server to cancel, close the connection, and throw.
    func expire(_ connection: OpaquePointer) throws(PostgresError) -> Never {
        if let cancel = PQgetCancel(connection) {
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &buffer, Int32(buffer.count))
            PQfreeCancel(cancel)
        }
        close()
        throw PostgresError(
            .deadlineExceeded,
            message: "no answer from \(target) within \(settings.statementDeadline); cancelled the statement "
                + "and closed the connection")
    }

    func failure(_ connection: OpaquePointer, doing what: String) -> PostgresError {
        let message = Self.connectionMessage(connection)
        if PQstatus(connection) != CONNECTION_OK {
            close()
            return PostgresError(.connectionLost, message: "lost the connection to \(target) while \(what): \(message)")
        }
        return PostgresError(.statement, message: "\(what) failed: \(message)")
    }

    private func drainNotifications(_ connection: OpaquePointer) -> [Notification] {
        var received: [Notification] = []
        while let notify = PQnotifies(connection) {
            received.append(
                Notification(
                    channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra),
                    senderPID: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return received
    }

    // MARK: - Opening and describing

    private static func open(_ settings: ConnectionSettings) throws(PostgresError) -> OpaquePointer {
        var given: [(keyword: String, value: String)] = []
        if !settings.conninfo.isEmpty {
            var error: UnsafeMutablePointer<CChar>?
            guard let parsed = PQconninfoParse(settings.conninfo, &error) else {
                let reason = error.map { String(cString: $0) } ?? "out of memory"
                if let error { PQfreemem(error) }
                throw PostgresError(
                    .configuration,
                    message: "invalid connection string: \(PasswordRedaction.redacted(trimmed(reason)))")
            }
            defer { PQconninfoFree(parsed) }
            var option = parsed
            while let keyword = option.pointee.keyword {
                if let value = option.pointee.val { given.append((String(cString: keyword), String(cString: value))) }
                option += 1
            }
        }
        let pairs = settings.connectionParameters(given: given)
        let keywords = pairs.map { strdup($0.keyword) } + [nil]
        let values = pairs.map { strdup($0.value) } + [nil]
        defer { for pointer in keywords + values { free(pointer) } }
        let connection = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keywordPointer in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointer in
                PQconnectdbParams(keywordPointer.baseAddress, valuePointer.baseAddress, 0)
            }
        }
        guard let connection else {
            throw PostgresError(.connectFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = connectionMessage(connection)
            let where_ = describe(connection)
            PQfinish(connection)
            throw PostgresError(
                .connectFailed,
                message: "cannot connect to \(where_): \(message)" + passwordFileHint(pairs, message: message))
        }
        return connection
    }

    /// When libpq found no password, a password file that group or others may read is the usual reason: libpq
    /// skips such a file with a warning on stderr only. Says so, with the fix; empty otherwise.
    private static func passwordFileHint(_ pairs: [(keyword: String, value: String)], message: String) -> String {
        guard message.contains("no password supplied") else { return "" }
        let path =
            pairs.first(where: { $0.keyword == "passfile" })?.value
            ?? getenv("PGPASSFILE").map { String(cString: $0) }
            ?? getenv("HOME").map { String(cString: $0) + "/.pgpass" }
        var info = stat()
        guard let path, stat(path, &info) == 0, info.st_mode & 0o077 != 0 else { return "" }
        return "; the password file \(path) is readable by group or others, so libpq ignored it: chmod 0600 \(path)"
    }

    private static func describe(_ connection: OpaquePointer) -> String {
        func field(_ value: UnsafeMutablePointer<CChar>?) -> String { value.map { String(cString: $0) } ?? "?" }
        return "\(field(PQuser(connection)))@\(field(PQhost(connection))):\(field(PQport(connection)))/"
            + field(PQdb(connection))
    }

    static func connectionMessage(_ connection: OpaquePointer) -> String {
        trimmed(PQerrorMessage(connection).map { String(cString: $0) } ?? "")
    }

    static func statementError(_ result: OpaquePointer, _ connection: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        let primary = field("M") ?? trimmed(String(cString: PQresultErrorMessage(result)))
        let detail = [field("D").map { "detail: " + $0 }, field("H").map { "hint: " + $0 }].compactMap { $0 }
        return PostgresError(
            .statement, sqlState: field("C").map(SQLState.init),
            message: primary.isEmpty ? connectionMessage(connection) : primary,
            detail: detail.isEmpty ? nil : detail.joined(separator: "; "))
    }

    /// libpq messages end in newlines and sometimes hold several lines; one line reads better in logs.
    static func trimmed(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline).map { $0.trimmingPrefix(while: \.isWhitespace) }.joined(
            separator: "; ")
    }
}

/// A point on the monotonic clock by which an operation must finish.
struct Deadline {
    private let instant: ContinuousClock.Instant

    init(after duration: Duration) { instant = .now + duration }

    /// Milliseconds left, rounded up, at least 0 (poll's timeout).
    var remainingMilliseconds: Int32 {
        let left = ContinuousClock.now.duration(to: instant)
        guard left > .zero else { return 0 }
        return Int32(min(left.milliseconds + 1, Int64(Int32.max)))
    }
}
