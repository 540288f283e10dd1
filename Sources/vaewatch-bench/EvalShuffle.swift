import Compute

/// A Fisher–Yates shuffle driven by ``SeededGenerator``, written out here (not the standard library's `shuffle`,
/// whose algorithm may change between releases) so that a split for a seed is the same on every machine and
/// toolchain.
enum EvalShuffle {
    /// `elements` in a random order determined by `seed`.
    static func shuffled<Element>(_ elements: [Element], seed: UInt64) -> [Element] {
        var result = elements
        var rng = SeededGenerator(seed: seed)
        var i = result.count - 1
        while i > 0 {
            let j = Int(uniform(below: UInt64(i + 1), using: &rng))
            result.swapAt(i, j)
            i -= 1
        }
        return result
    }

    /// A uniform integer in `0..<bound` (bound ≥ 1), by Lemire's multiply-and-reject method: unbiased.
    static func uniform(below bound: UInt64, using rng: inout SeededGenerator) -> UInt64 {
        var product = rng.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let floor = (0 &- bound) % bound
            while product.low < floor { product = rng.next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }
}
