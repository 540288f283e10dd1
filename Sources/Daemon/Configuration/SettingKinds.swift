/// Builders for the rows of ``Settings/all``, one per kind of value, each bound to a field of
/// ``ServeConfiguration`` by a key path.
extension Setting {
    /// A setting from all its parts.
    init(
        _ name: String, _ kind: SettingKind, bounds: Bounds? = nil, maximumCount: Int? = nil, reloadable: Bool,
        defaultNote: String? = nil, _ meaning: String,
        read: @escaping @Sendable (ServeConfiguration) -> SettingValue,
        write: @escaping @Sendable (inout ServeConfiguration, SettingValue) -> Void,
        check: (@Sendable (SettingValue) -> String?)? = nil
    ) {
        self.name = name
        self.kind = kind
        self.bounds = bounds
        self.maximumCount = maximumCount
        self.reloadable = reloadable
        self.meaning = meaning
        self.defaultNote = defaultNote
        self.read = read
        self.write = write
        self.check = check
    }

    /// A text setting; `check` returns what is wrong with a text, or nil.
    static func text(
        _ name: String, _ keyPath: any WritableKeyPath<ServeConfiguration, String> & Sendable, reloadable: Bool = false,
        defaultNote: String? = nil, _ meaning: String, check: (@Sendable (String) -> String?)? = nil
    ) -> Setting {
        var valueCheck: (@Sendable (SettingValue) -> String?)?
        if let check {
            valueCheck = { value in
                guard case .text(let text) = value else { return nil }
                return check(text)
            }
        }
        return Setting(
            name, .text, reloadable: reloadable, defaultNote: defaultNote, meaning,
            read: { .text($0[keyPath: keyPath]) },
            write: { configuration, value in
                if case .text(let text) = value { configuration[keyPath: keyPath] = text }
            },
            check: valueCheck)
    }

    /// A list-of-text setting; `check` returns what is wrong with a list, or nil.
    static func texts(
        _ name: String, _ keyPath: any WritableKeyPath<ServeConfiguration, [String]> & Sendable,
        reloadable: Bool = false,
        _ meaning: String, check: (@Sendable ([String]) -> String?)? = nil
    ) -> Setting {
        var valueCheck: (@Sendable (SettingValue) -> String?)?
        if let check {
            valueCheck = { value in
                guard case .texts(let texts) = value else { return nil }
                return check(texts)
            }
        }
        return Setting(
            name, .textList, reloadable: reloadable, meaning,
            read: { .texts($0[keyPath: keyPath]) },
            write: { configuration, value in
                if case .texts(let texts) = value { configuration[keyPath: keyPath] = texts }
            },
            check: valueCheck)
    }

    /// A whole-number setting within `range`.
    static func integer(
        _ name: String, _ keyPath: any WritableKeyPath<ServeConfiguration, Int> & Sendable, _ range: ClosedRange<Int>,
        reloadable: Bool = false, _ meaning: String
    ) -> Setting {
        Setting(
            name, .integer, bounds: .integers(range), reloadable: reloadable, meaning,
            read: { .integer($0[keyPath: keyPath]) },
            write: { configuration, value in
                if case .integer(let integer) = value { configuration[keyPath: keyPath] = integer }
            })
    }

    /// A list-of-whole-numbers setting, each within `range`, at most `maximumCount` of them.
    static func integers(
        _ name: String, _ keyPath: any WritableKeyPath<ServeConfiguration, [Int]> & Sendable, _ range: ClosedRange<Int>,
        maximumCount: Int, reloadable: Bool = false, _ meaning: String
    ) -> Setting {
        Setting(
            name, .integerList, bounds: .integers(range), maximumCount: maximumCount, reloadable: reloadable, meaning,
            read: { .integers($0[keyPath: keyPath]) },
            write: { configuration, value in
                if case .integers(let integers) = value { configuration[keyPath: keyPath] = integers }
            })
    }

    /// A number (or, with `seconds`, a number of seconds) within `range`.
    static func number(
        _ name: String, _ keyPath: any WritableKeyPath<ServeConfiguration, Double> & Sendable,
        _ range: ClosedRange<Double>,
        seconds: Bool = false, reloadable: Bool = false, _ meaning: String
    ) -> Setting {
        Setting(
            name, seconds ? .seconds : .number, bounds: .numbers(range), reloadable: reloadable, meaning,
            read: { .number($0[keyPath: keyPath]) },
            write: { configuration, value in
                if case .number(let number) = value { configuration[keyPath: keyPath] = number }
            })
    }

    /// A true-or-false setting.
    static func boolean(
        _ name: String, _ keyPath: any WritableKeyPath<ServeConfiguration, Bool> & Sendable, reloadable: Bool = false,
        _ meaning: String
    ) -> Setting {
        Setting(
            name, .boolean, reloadable: reloadable, meaning,
            read: { .boolean($0[keyPath: keyPath]) },
            write: { configuration, value in
                if case .boolean(let boolean) = value { configuration[keyPath: keyPath] = boolean }
            })
    }

    /// A setting that takes one of the cases of `Choice`, written as their raw values.
    static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ keyPath: any WritableKeyPath<ServeConfiguration, Choice> & Sendable, reloadable: Bool = false,
        defaultNote: String? = nil, _ meaning: String
    ) -> Setting where Choice.RawValue == String {
        Setting(
            name, .choice(Choice.allCases.map(\.rawValue)), reloadable: reloadable, defaultNote: defaultNote, meaning,
            read: { .text($0[keyPath: keyPath].rawValue) },
            write: { configuration, value in
                if case .text(let text) = value, let choice = Choice(rawValue: text) {
                    configuration[keyPath: keyPath] = choice
                }
            })
    }
}
