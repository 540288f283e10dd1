import Detector

/// A setting's value once parsed: what ``Setting`` reads from and writes into ``ServeConfiguration``.
package enum SettingValue: Sendable, Equatable {
    /// A text value, or one of a choice's values.
    case text(String)
    /// A list of texts.
    case texts([String])
    /// A whole number.
    case integer(Int)
    /// A list of whole numbers.
    case integers([Int])
    /// A number or a number of seconds.
    case number(Double)
    /// True or false.
    case boolean(Bool)

    /// The value as YAML would write it: `5000`, `0.995`, `true`, `[64, 32]`, `public.metrics`, `""`.
    package var yaml: String {
        switch self {
        case .text(let text): YAMLText.quotedIfNeeded(text)
        case .texts(let texts): "[" + texts.map(YAMLText.quotedIfNeeded).joined(separator: ", ") + "]"
        case .integer(let value): String(value)
        case .integers(let values): "[" + values.map(String.init).joined(separator: ", ") + "]"
        case .number(let value): YAMLText.number(value)
        case .boolean(let value): value ? "true" : "false"
        }
    }
}

/// Writing values in YAML's plain or double-quoted style.
enum YAMLText {
    /// Words YAML would read as something other than text when written plain.
    private static let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"]

    /// `text` plain when YAML reads it back as the same text, else double-quoted with escapes.
    static func quotedIfNeeded(_ text: String) -> String {
        let plain =
            !text.isEmpty && !reserved.contains(text.lowercased()) && Double(text) == nil
            && Int(text.filter { $0 != "_" }) == nil
            && text.unicodeScalars.allSatisfy { scalar in
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                    || "_./-$".unicodeScalars.contains(scalar)
            }
            && text.first != "-"
        return plain ? text : quoted(text)
    }

    /// `text` in double quotes, with `"`, `\` and control characters escaped (a JSON string is a YAML
    /// double-quoted scalar).
    static func quoted(_ text: String) -> String { JSONText.quoted(text) }

    /// `90`, `0.995`, `1e-06`: whole numbers without a fraction, others as Swift writes a `Double`.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
