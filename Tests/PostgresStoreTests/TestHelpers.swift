import PostgresStore
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `duration` in seconds.
func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) / 1e18
}

/// How long `work` took, with what it threw (if anything).
func timed<T>(_ work: () throws -> T) -> (result: Result<T, any Error>, seconds: Double) {
    let start = ContinuousClock.now
    let result = Result { try work() }
    return (result, seconds(ContinuousClock.now - start))
}

/// The error `work` threw, when it is a ``PostgresError``; nil (and a recorded issue) when it threw nothing or
/// something else.
func postgresError<T>(
    _ work: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation
) -> PostgresError? {
    do {
        _ = try work()
        Issue.record("expected a PostgresError, but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as PostgresError {
        return error
    } catch {
        Issue.record("expected a PostgresError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Writes `text` to a new file at `path` with permission bits `mode` (applied with chmod, so the umask does not
/// interfere).
func writeFile(_ path: String, _ text: String, mode: mode_t) throws {
    let descriptor = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
    try #require(descriptor >= 0, "open \(path): errno \(errno)")
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    try #require(written == bytes.count, "write \(path): errno \(errno)")
    try #require(fchmod(descriptor, mode) == 0, "chmod \(path): errno \(errno)")
}

extension Result {
    /// The error, when this is a failure.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// Strings gathered from several threads.
final class Collected: Sendable {
    /// The strings, in arrival order.
    let items = Mutex<[String]>([])
}
