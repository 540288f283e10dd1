import Compute
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Seeded random numbers")
struct RandomTests {
    @Test("same seed, same stream; different seeds, different streams")
    func determinism() {
        var a = SeededGenerator(seed: 1)
        var b = SeededGenerator(seed: 1)
        var c = SeededGenerator(seed: 2)
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        #expect(sa != (0..<100).map { _ in c.next() })
    }

    @Test("uniform floats lie in [0, 1) with mean ½")
    func uniform() {
        var rng = SeededGenerator(seed: 3)
        let u = (0..<100_000).map { _ in rng.nextUnitFloat() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / Float(u.count) - 0.5) < 0.005)
    }

    @Test("ziggurat normals have the moments and tails of N(0, 1), like the Box–Muller reference")
    func normalMoments() {
        var rng = SeededGenerator(seed: 4)
        let n = 400_000
        let fast = (0..<n).map { _ in Double(NormalSampler.next(&rng)) }
        let slow = (0..<n).map { _ in Double(NormalSampler.boxMuller(&rng)) }
        for sample in [fast, slow] {
            let mean = sample.reduce(0, +) / Double(n)
            let variance = sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            let kurtosis = sample.reduce(0) { $0 + pow(($1 - mean), 4) } / Double(n) / (variance * variance)
            let tail = Double(sample.filter { abs($0) > 3 }.count) / Double(n)
            #expect(abs(mean) < 0.01)
            #expect(abs(variance - 1) < 0.01)
            #expect(abs(kurtosis - 3) < 0.05)
            #expect(abs(tail - 0.0027) < 0.0006)
        }
        // Two-sample Kolmogorov–Smirnov distance between the fast sampler and the reference.
        let a = fast.sorted()
        let b = slow.sorted()
        var (i, j, worst) = (0, 0, 0.0)
        while i < n && j < n {
            if a[i] <= b[j] { i += 1 } else { j += 1 }
            worst = max(worst, abs(Double(i) - Double(j)) / Double(n))
        }
        #expect(worst < 1.63 * (2.0 / Double(n)).squareRoot(), "KS distance \(worst) exceeds the 1% critical value")
    }
}
