/// "Did you mean …?": the nearest known name to a misspelt one.
enum Suggestion {
    /// The candidate nearest to `name` by edit distance when it is close enough to be a typo; else the only
    /// candidate whose last dotted part equals `name`'s (so `table` suggests `source.table`); else nil.
    static func nearest(to name: String, among candidates: [String]) -> String? {
        let target = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        if let best, best.distance <= max(2, target.count / 4) { return best.name }
        let last = name.lowercased().split(separator: ".").last.map(String.init) ?? ""
        let sameLast = candidates.filter { $0.split(separator: ".").last.map(String.init) == last }
        return sameLast.count == 1 ? sameLast[0] : nil
    }

    /// The Levenshtein distance between `a` and `b`: insertions, deletions and substitutions.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
