#if canImport(Glibc)
    import Glibc
#endif
internal import SystemIO

/// Why an `eval-split` or `eval-metrics` run stopped: a message that says what happened and what to do next, and
/// the exit status (the `sysexits.h` codes the `vaewatch` CLI uses).
struct EvalFailure: Error {
    /// The message, without the command's name.
    var message: String
    /// The exit status.
    var status: Int32

    /// Bad command-line arguments (64).
    static func usage(_ message: String) -> EvalFailure { EvalFailure(message: message, status: 64) }

    /// An input file whose content is wrong (65).
    static func data(_ message: String) -> EvalFailure { EvalFailure(message: message, status: 65) }

    /// An input file that cannot be read (66).
    static func input(_ message: String) -> EvalFailure { EvalFailure(message: message, status: 66) }

    /// An output file that cannot be written (73).
    static func output(_ message: String) -> EvalFailure { EvalFailure(message: message, status: 73) }
}

/// Runs `body` as the subcommand `name`: prints a failure on stderr as `vaewatch-bench NAME: message` and returns
/// its exit status, else 0.
func runEvalCommand(_ name: String, _ body: () throws(EvalFailure) -> Void) -> Int32 {
    do {
        try body()
        return 0
    } catch {
        let line = "vaewatch-bench \(name): \(error.message)\n"
        Array(line.utf8).withUnsafeBytes { buffer in try? SystemCalls.writeAll(STDERR_FILENO, buffer) }
        return error.status
    }
}
