import RecordParsing

/// The values of a verdict as `vaewatch score` writes them: decimal numbers, with +∞ spelled `inf` (CSV) or `1e999`
/// (JSON, which has no infinity); flags as `1`/`0` (CSV).
enum ScoredFileValue {
    /// A score, error or threshold: a decimal number, or +∞ as `inf`, `+inf`, `infinity` (any case) or a number too
    /// large for a float. A reason phrase when it is none of those.
    static func number(_ text: UnsafeRawBufferPointer) -> Result<Double, Reason> {
        if isInfinity(text) { return .success(.infinity) }
        switch DecimalFloatParser.parse(text) {
        case .value(let value): return .success(Double(value))
        case .failure(.outOfRange) where text.first != UInt8(ascii: "-"): return .success(.infinity)
        case .failure(.empty): return .failure(Reason("empty; a verdict needs every value"))
        case .failure(.nonFinite): return .failure(Reason("NaN and -∞ are not scores: \(Excerpt.quote(text))"))
        case .failure(let failure): return .failure(Reason("\(failure.reason): \(Excerpt.quote(text))"))
        }
    }

    /// The anomaly flag of a CSV verdict: `1` or `0` (also `true` or `false`).
    static func flag(_ text: UnsafeRawBufferPointer) -> Result<Bool, Reason> {
        switch String(decoding: text, as: UTF8.self).lowercased() {
        case "1", "true": return .success(true)
        case "0", "false": return .success(false)
        default: return .failure(Reason("expected 1 or 0, found \(Excerpt.quote(text))"))
        }
    }

    /// Whether `text` spells +∞.
    static func isInfinity(_ text: UnsafeRawBufferPointer) -> Bool {
        guard text.count <= 9 else { return false }
        let lowered = String(decoding: text, as: UTF8.self).lowercased()
        return ["inf", "+inf", "infinity", "+infinity"].contains(lowered)
    }

    /// Why a value was refused: a phrase for a located message.
    struct Reason: Error, Equatable {
        /// The phrase, e.g. `not a number: "abc"`.
        var text: String
        init(_ text: String) { self.text = text }
    }
}
