import Glibc
import Yams
internal import SystemIO

/// The YAML configuration file: read with plain system calls, parsed with Yams, and flattened to dotted names
/// with the line and column of each key.
enum ConfigurationFile {
    /// One `name: value` of the file after nested mappings were joined into dotted names.
    struct Entry {
        /// The dotted name, such as `source.table`.
        var name: String
        /// Where the (innermost) key was written.
        var line: Int
        /// The key's column, from 1.
        var column: Int
        /// The value.
        var value: Node
    }

    /// Files larger than this are refused: a configuration is a few kilobytes.
    static let maximumBytes = 1 << 20

    /// The text of the file at `path`.
    static func read(_ path: String) throws(ConfigurationError) -> String {
        func failure(_ message: String) -> ConfigurationError {
            ConfigurationError([.init(location: path, setting: nil, message: message)])
        }
        func systemError(_ doing: String, _ error: SystemCallError) -> ConfigurationError {
            failure(
                "cannot \(doing): \(error.message) (errno \(error.errno)); check the path given "
                    + "to --config and that this user may read it")
        }
        let descriptor: CInt
        do {
            descriptor = try SystemCalls.openForReading(path)
        } catch {
            throw systemError("open the configuration file", error)
        }
        defer { try? SystemCalls.close(descriptor) }
        let bytes: [UInt8]
        do {
            bytes = try SystemCalls.readAll(descriptor, limit: maximumBytes + 1, path: path)
        } catch {
            throw systemError("read the configuration file", error)
        }
        if bytes.count > maximumBytes {
            throw failure("is larger than 1 MiB; is it really the configuration file?")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure("is not UTF-8 text; save it as UTF-8")
        }
        return text
    }

    /// The entries of the YAML `text` read from `path`, or the problems found (syntax, shape, duplicates).
    static func entries(of text: String, path: String) -> (entries: [Entry], problems: [ConfigurationError.Problem]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return ([], [syntaxProblem(error, path: path)])
        } catch {
            return ([], [.init(location: path, setting: nil, message: "not valid YAML: \(error)")])
        }
        guard let root else { return ([], []) }
        guard case .mapping(let mapping) = root else {
            if case .scalar(let scalar) = root, scalar.string.isEmpty || scalar.string == "~" { return ([], []) }
            return (
                [],
                [
                    .init(
                        location: located(path, root.mark), setting: nil,
                        message: "expected settings as a YAML mapping, such as \"source:\" then \"  table: "
                            + "public.metrics\" on the next line")
                ]
            )
        }
        var entries: [Entry] = []
        var problems: [ConfigurationError.Problem] = []
        flatten(mapping, prefix: "", path: path, into: &entries, problems: &problems)
        var first: [String: Entry] = [:]
        for entry in entries {
            if let earlier = first[entry.name] {
                problems.append(
                    .init(
                        location: "\(path):\(entry.line):\(entry.column)", setting: entry.name,
                        message: "set twice; it is also set at line \(earlier.line); keep one"))
            } else {
                first[entry.name] = entry
            }
        }
        return (entries, problems)
    }

    /// Joins nested mappings under `prefix` into dotted entries; a mapping under a setting's own name is kept as
    /// the value (its setting then reports the wrong kind).
    private static func flatten(
        _ mapping: Node.Mapping, prefix: String, path: String, into entries: inout [Entry],
        problems: inout [ConfigurationError.Problem]
    ) {
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, !scalar.string.isEmpty else {
                problems.append(
                    .init(
                        location: located(path, key.mark), setting: nil,
                        message: "a key must be a plain name such as \"source\" or \"table\""))
                continue
            }
            let name = prefix.isEmpty ? scalar.string : prefix + "." + scalar.string
            if case .mapping(let inner) = value, Settings.named(name) == nil {
                if inner.isEmpty {
                    problems.append(
                        .init(
                            location: located(path, key.mark), setting: nil,
                            message: "\(YAMLText.quoted(name)) is an empty mapping; remove it or put settings "
                                + "under it"))
                }
                flatten(inner, prefix: name, path: path, into: &entries, problems: &problems)
                continue
            }
            entries.append(
                Entry(name: name, line: key.mark?.line ?? 0, column: key.mark?.column ?? 0, value: value))
        }
    }

    /// `path:line:column`, or `path` when there is no mark.
    static func located(_ path: String, _ mark: Mark?) -> String {
        mark.map { "\(path):\($0.line):\($0.column)" } ?? path
    }

    /// A located problem for a YAML syntax error.
    private static func syntaxProblem(_ error: YamlError, path: String) -> ConfigurationError.Problem {
        let fix = "; check the indentation (spaces, not tabs) and quote values that contain \": \" or \"#\""
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return .init(
                location: located(path, mark), setting: nil, message: "not valid YAML: \(problem)\(detail)" + fix)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .init(
                location: located(path, context.mark), setting: nil,
                message: "a key is set twice in one mapping: \(duplicates.sorted().joined(separator: ", ")); keep one")
        case .reader(let problem, _, _, _):
            return .init(location: path, setting: nil, message: "cannot be read as YAML text: \(problem)")
        default:
            return .init(location: path, setting: nil, message: "not valid YAML: \(error)")
        }
    }
}
