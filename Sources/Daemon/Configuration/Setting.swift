/// One setting of `vaewatch serve`: its dotted name, the kind of value it takes, its default, the values it
/// accepts, whether a reload (SIGHUP) applies it, and what it means. ``Settings/all`` lists every one.
package struct Setting: Sendable {
    /// The values a number accepts.
    package enum Bounds: Sendable, Equatable {
        /// Whole numbers from the lower to the upper bound, both included.
        case integers(ClosedRange<Int>)
        /// Numbers from the lower to the upper bound, both included.
        case numbers(ClosedRange<Double>)

        /// `1…100000`.
        package var description: String {
            switch self {
            case .integers(let range): "\(range.lowerBound)…\(range.upperBound)"
            case .numbers(let range): YAMLText.number(range.lowerBound) + "…" + YAMLText.number(range.upperBound)
            }
        }
    }

    /// The dotted name, such as `source.table`; in YAML, nested mappings (`source:` then `  table: …`).
    package let name: String
    /// The kind of value.
    package let kind: SettingKind
    /// The accepted range of a number, or of each number of a list.
    package let bounds: Bounds?
    /// The most items a list may hold.
    package let maximumCount: Int?
    /// Whether a reload (SIGHUP) applies a change; otherwise the daemon must be restarted.
    package let reloadable: Bool
    /// What the setting means, in one line.
    package let meaning: String
    /// How the default is worked out, when it is not a fixed value.
    let defaultNote: String?
    /// Reads the setting's value from a configuration.
    let read: @Sendable (ServeConfiguration) -> SettingValue
    /// Writes a checked value into a configuration.
    let write: @Sendable (inout ServeConfiguration, SettingValue) -> Void
    /// A check beyond kind and bounds; returns what is wrong, or nil.
    let check: (@Sendable (SettingValue) -> String?)?

    /// The environment variable that sets it: `VAEWATCH_` and the name in upper case, dots as underscores.
    package var environmentVariable: String {
        "VAEWATCH_" + String(name.uppercased().map { $0 == "." ? "_" : $0 })
    }

    /// The default as the settings table shows it: a YAML value, or how it is worked out.
    package var defaultText: String {
        defaultNote ?? read(ServeConfiguration()).yaml
    }

    /// The built-in default value.
    package var defaultValue: SettingValue { read(ServeConfiguration()) }

    /// The accepted values, for the settings table and messages: a range, the choices, or nil.
    package var accepted: String? {
        if case .choice(let values) = kind { return values.joined(separator: ", ") }
        return bounds?.description
    }

    /// This setting's value in `configuration`.
    package func value(in configuration: ServeConfiguration) -> SettingValue { read(configuration) }
}

/// Why a value does not fit its setting: the message, without the location or the setting's name.
struct ValueProblem: Error {
    /// What is wrong and what would be accepted.
    let message: String

    /// A problem saying `message`.
    init(_ message: String) { self.message = message }
}

extension Setting {
    /// Parses text from an environment variable, a `--set` argument or a YAML scalar (lists comma-separated, with
    /// optional brackets). `isNull` marks a YAML null (`key:` with nothing after it).
    func parse(text raw: String, isNull: Bool = false) throws(ValueProblem) -> SettingValue {
        let text = Self.trimmed(raw)
        if isNull {
            switch kind {
            case .text: return .text("")
            case .textList: return .texts([])
            case .integerList: return .integers([])
            default: throw ValueProblem("expected \(kind.expectation), found nothing")
            }
        }
        switch kind {
        case .text:
            return .text(text)
        case .textList:
            return .texts(try Self.listItems(text))
        case .integer:
            return .integer(try wholeNumber(text))
        case .integerList:
            var values: [Int] = []
            for item in try Self.listItems(text) { values.append(try wholeNumber(item, inList: true)) }
            return .integers(values)
        case .number, .seconds:
            return .number(try number(text))
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .boolean(true)
            case "false", "no", "off", "0": return .boolean(false)
            default: throw ValueProblem("expected true or false, found \(YAMLText.quoted(raw))")
            }
        case .choice(let values):
            if let match = values.first(where: { $0 == text.lowercased() }) { return .text(match) }
            var message = "expected one of \(values.joined(separator: ", ")), found \(YAMLText.quoted(raw))"
            if let near = Suggestion.nearest(to: text.lowercased(), among: values) {
                message += "; did you mean \"\(near)\"?"
            }
            throw ValueProblem(message)
        }
    }

    /// Parses the items of a YAML list.
    func parse(items: [String]) throws(ValueProblem) -> SettingValue {
        switch kind {
        case .textList:
            let texts = items.map { Self.trimmed($0) }
            if texts.contains("") { throw ValueProblem("the list has an empty item; remove it") }
            return .texts(texts)
        case .integerList:
            var values: [Int] = []
            for item in items { values.append(try wholeNumber(Self.trimmed(item), inList: true)) }
            return .integers(values)
        default:
            throw ValueProblem("expected \(kind.expectation), found a list")
        }
    }

    /// Checks a parsed value against the bounds, the most items and the setting's own check.
    func validate(_ value: SettingValue) throws(ValueProblem) {
        let context = " (" + meaning + (bounds.map { ", " + $0.description } ?? "") + ")"
        func checkInteger(_ integer: Int, _ where: String) throws(ValueProblem) {
            guard case .integers(let range) = bounds else { return }
            if integer < range.lowerBound {
                throw ValueProblem("\(integer)\(`where`) is below the minimum \(range.lowerBound)" + context)
            }
            if integer > range.upperBound {
                throw ValueProblem("\(integer)\(`where`) is above the maximum \(range.upperBound)" + context)
            }
        }
        func checkCount(_ count: Int) throws(ValueProblem) {
            if let maximumCount, count > maximumCount {
                throw ValueProblem("\(count) items; at most \(maximumCount) are allowed" + context)
            }
        }
        switch value {
        case .integer(let integer):
            try checkInteger(integer, "")
        case .integers(let integers):
            try checkCount(integers.count)
            for integer in integers { try checkInteger(integer, " in the list") }
        case .number(let number):
            if case .numbers(let range) = bounds {
                if number < range.lowerBound {
                    throw ValueProblem(
                        "\(YAMLText.number(number)) is below the minimum \(YAMLText.number(range.lowerBound))" + context
                    )
                }
                if number > range.upperBound {
                    throw ValueProblem(
                        "\(YAMLText.number(number)) is above the maximum \(YAMLText.number(range.upperBound))" + context
                    )
                }
            }
        case .texts(let texts):
            try checkCount(texts.count)
        case .text, .boolean:
            break
        }
        if let check, let message = check(value) { throw ValueProblem(message) }
    }

    /// A whole number, with optional `_` between digits (`100_000`).
    private func wholeNumber(_ text: String, inList: Bool = false) throws(ValueProblem) -> Int {
        let digits =
            text.contains("_") && !text.hasPrefix("_") && !text.hasSuffix("_") ? text.filter { $0 != "_" } : text
        guard let value = Int(digits) else {
            let what = inList ? "a whole number in the list" : "a whole number"
            throw ValueProblem("expected \(what), found \(YAMLText.quoted(text))")
        }
        return value
    }

    /// A finite number.
    private func number(_ text: String) throws(ValueProblem) -> Double {
        let digits =
            text.contains("_") && !text.hasPrefix("_") && !text.hasSuffix("_") ? text.filter { $0 != "_" } : text
        guard let value = Double(digits), value.isFinite, !digits.lowercased().hasPrefix("0x") else {
            throw ValueProblem("expected \(kind.expectation), found \(YAMLText.quoted(text))")
        }
        return value
    }

    /// The items of a comma-separated list, optionally in brackets; an empty text is an empty list.
    static func listItems(_ text: String) throws(ValueProblem) -> [String] {
        var body = Substring(text)
        if body.hasPrefix("[") && body.hasSuffix("]") && body.count >= 2 { body = body.dropFirst().dropLast() }
        let trimmedBody = trimmed(String(body))
        if trimmedBody.isEmpty { return [] }
        let items = trimmedBody.split(separator: ",", omittingEmptySubsequences: false).map { trimmed(String($0)) }
        if items.contains("") { throw ValueProblem("the list \(YAMLText.quoted(text)) has an empty item; remove it") }
        return items
    }

    /// `text` without leading and trailing white space.
    static func trimmed(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
