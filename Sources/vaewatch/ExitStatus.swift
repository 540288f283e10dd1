import ArgumentParser
import Checkpoint
import Daemon
import Detector
import RecordIO
import RecordParsing

/// The exit statuses of `vaewatch`, after sysexits.h.
enum ExitStatus {
    /// Bad options (EX_USAGE).
    static let usage: Int32 = 64
    /// Bad input data (EX_DATAERR).
    static let data: Int32 = 65
    /// An input or model that cannot be opened (EX_NOINPUT).
    static let noInput: Int32 = 66
    /// Training failed, or the database refused a statement for a reason other than those below (EX_SOFTWARE).
    static let software: Int32 = 70
    /// A transient conflict in the database: a deadlock, a lock or statement timeout; run it again (EX_TEMPFAIL).
    static let temporaryFailure: Int32 = 75
    /// The database cannot be reached (EX_UNAVAILABLE).
    static let unavailable: Int32 = 69
    /// An output that cannot be written (EX_IOERR).
    static let ioError: Int32 = 74
    /// The database refused for lack of privilege (EX_NOPERM).
    static let noPermission: Int32 = 77
    /// A configuration that does not fit the database: unknown table or column, wrong type (EX_CONFIG).
    static let configuration: Int32 = 78

    /// The status for a records error.
    static func of(_ error: RecordIOError) -> Int32 {
        switch error.code {
        case .input: noInput
        case .data: data
        case .usage: usage
        case .output: ioError
        case .outputClosed: 0
        }
    }

    /// The status for a detector error.
    static func of(_ error: DetectorError) -> Int32 {
        switch error.code {
        case .invalidOptions: usage
        case .badData: data
        case .trainingFailed: software
        case .incompatibleModel: data
        }
    }
}

/// Prints `message` on stderr as `vaewatch: message` and exits with `status`.
func fail(_ message: String, status: Int32) -> ExitCode {
    Terminal.printError("vaewatch: " + message)
    return ExitCode(status)
}
