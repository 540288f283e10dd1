internal import SystemIO
import VAE

/// Why a model file could not be saved, loaded or cleaned up.
package enum CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file was read, but its bytes are not an acceptable model file.
    case format(ModelFileError)
    /// A system call failed.
    case system(SystemFailure)
    /// ``ModelFileStore/write(_:to:)`` will not write to `path` (a block device, a socket, a link to nothing…):
    /// `reason` says why and what to do.
    case refused(path: String, reason: String)

    /// `format`'s or `system`'s description: what happened and what to do next.
    package var description: String {
        switch self {
        case .format(let error): error.description
        case .system(let failure): failure.description
        case .refused(let path, let reason): "cannot write \(path): \(reason)"
        }
    }

    /// A failed system call, with the file it acted on and the `errno` it returned.
    package struct SystemFailure: Sendable, Equatable, CustomStringConvertible {
        /// What the caller asked for.
        package enum Action: String, Sendable, Hashable {
            /// ``ModelFileStore/write(_:to:)``.
            case save = "save model file"
            /// ``ModelFileStore/read(path:expectedFeatures:)``.
            case load = "load model file"
            /// ``ModelFileStore/removeStaleTemporaryFiles(in:forBaseName:)``.
            case cleanUp = "remove stale temporary files in"
            /// ``CheckpointDirectory``'s listing, creating and pruning.
            case manage = "manage the checkpoint folder"
        }

        /// What the caller asked for.
        package var action: Action
        /// The model file (save, load) or directory (clean-up) the caller named.
        package var path: String
        /// The C function that failed, e.g. `fsync`.
        package var call: String
        /// The path the failing call acted on: the model file, its temporary file or its directory.
        package var subject: String
        /// The `errno` value the call returned.
        package var errno: Int32
        /// The C library's text for ``errno``, e.g. `Input/output error`.
        package var message: String
        /// What to do next, as a sentence.
        package var remedy: String

        /// Creates a failure.
        package init(
            action: Action, path: String, call: String, subject: String, errno: Int32, message: String, remedy: String
        ) {
            self.action = action
            self.path = path
            self.call = call
            self.subject = subject
            self.errno = errno
            self.message = message
            self.remedy = remedy
        }

        /// `cannot <action> <path>: <call>(<subject>) failed: <message> (errno N). <remedy>`
        package var description: String {
            "cannot \(action.rawValue) \(path): \(call)(\(subject)) failed: \(message) (errno \(errno)). \(remedy)"
        }
    }
}

extension CheckpointError {
    /// Wraps `error`, met while performing `action` on `path`: a refusal as ``refused(path:reason:)``, a failed call
    /// as ``system(_:)`` with the path the call acted on and the error's remedy.
    init(_ error: SystemCallError, _ action: SystemFailure.Action, path: String) {
        if error.isRefusal {
            self = .refused(path: path, reason: error.remedy ?? "")
        } else {
            self = .system(error, action, path: path, subject: error.path ?? path, remedy: error.remedy ?? "")
        }
    }

    /// Wraps a failed call made while performing `action` on `path`.
    static func system(
        _ error: SystemCallError, _ action: SystemFailure.Action, path: String, subject: String, remedy: String
    ) -> CheckpointError {
        .system(
            SystemFailure(
                action: action, path: path, call: error.call, subject: subject, errno: error.errno,
                message: error.message, remedy: remedy))
    }
}
