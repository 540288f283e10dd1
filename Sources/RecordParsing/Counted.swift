/// Counts in messages for people: the number with its thousands grouped, and the noun in the singular for one.
package enum Counted {
    /// `1 record`, `12,345 records`; `plural` for a noun whose plural is not the singular with an `s`
    /// (`anomaly`, `anomalies`).
    package static func text(_ count: Int, _ singular: String, plural: String? = nil) -> String {
        digits(count) + " " + (count == 1 ? singular : plural ?? singular + "s")
    }

    /// `12,345`: the one place counts get their thousands grouped (``NumberText/count(_:)`` is this).
    package static func digits(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = value < 0 ? "-" : ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}
