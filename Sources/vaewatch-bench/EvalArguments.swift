/// The `--name value` options of an `eval-*` subcommand, each given at most once; `--help` is refused here (the
/// usage line is in every message).
struct EvalArguments {
    /// The options given, by name without the dashes.
    private var values: [String: String] = [:]

    /// Parses `arguments`, accepting only the option names in `known`; `usage` ends every message.
    init(_ arguments: [String], known: Set<String>, usage: String) throws(EvalFailure) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), known.contains(String(argument.dropFirst(2))) else {
                throw .usage("unexpected argument '\(argument)'; usage: \(usage)")
            }
            let name = String(argument.dropFirst(2))
            guard index + 1 < arguments.count else { throw .usage("\(argument) needs a value; usage: \(usage)") }
            guard values[name] == nil else { throw .usage("\(argument) is given twice; usage: \(usage)") }
            values[name] = arguments[index + 1]
            index += 2
        }
        for name in known.sorted() where values[name] == nil {
            throw .usage("--\(name) is missing; usage: \(usage)")
        }
    }

    /// The value of the option `name` (present: the initializer checked).
    subscript(_ name: String) -> String { values[name] ?? "" }
}
