/// The kind of value a setting takes, and how it is written in the file, the environment and `--set`.
package enum SettingKind: Sendable, Equatable {
    /// Text, written as is (quote it in YAML when it could be read as a number or `true`).
    case text
    /// A list of texts: a YAML list, or comma-separated in the environment and `--set`.
    case textList
    /// A whole number.
    case integer
    /// A list of whole numbers: a YAML list such as `[64, 32]`, or `64,32`.
    case integerList
    /// A number, with or without a fraction.
    case number
    /// A number of seconds, with or without a fraction.
    case seconds
    /// `true` or `false` (also `yes`/`no`, `on`/`off`, `1`/`0`).
    case boolean
    /// One of the listed words.
    case choice([String])

    /// The kind as the settings table names it.
    package var name: String {
        switch self {
        case .text: "text"
        case .textList: "list of text"
        case .integer: "whole number"
        case .integerList: "list of whole numbers"
        case .number: "number"
        case .seconds: "seconds"
        case .boolean: "true or false"
        case .choice: "choice"
        }
    }

    /// What a value of this kind looks like, for "expected …" messages.
    var expectation: String {
        switch self {
        case .text: "text"
        case .textList: "a list of names such as [cpu, memory]"
        case .integer: "a whole number"
        case .integerList: "a list of whole numbers such as [64, 32]"
        case .number: "a number"
        case .seconds: "a number of seconds"
        case .boolean: "true or false"
        case .choice(let values): "one of " + values.joined(separator: ", ")
        }
    }
}
