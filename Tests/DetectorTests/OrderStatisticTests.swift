import Compute
import Testing

@testable import Detector

@Suite("OrderStatistic")
struct OrderStatisticTests {
    /// Arrays that stress the partition: random, sorted both ways, all equal, mostly equal, two values.
    static func cases() -> [[Float]] {
        var generator = SeededGenerator(seed: 11)
        let random = (0..<1_001).map { _ in NormalSampler.next(&generator) }
        let sparse = (0..<500).map { i -> Float in i % 23 == 0 ? Float(i % 7) : 0 }
        return [
            random, random.sorted(), random.sorted(by: >), [Float](repeating: 3, count: 64), sparse,
            (0..<100).map { Float($0 % 2) }, [5], [2, 1],
        ]
    }

    @Test("select finds the value a sort puts at each rank, and partitions around it")
    func matchesSort() {
        for values in Self.cases() {
            let sorted = values.sorted()  // the plain reference
            let ranks = Set([0, values.count / 100, values.count / 2, values.count - 1, values.count * 99 / 100])
            for rank in ranks {
                var work = values
                let selected = OrderStatistic.select(&work, rank: rank, in: 0..<work.count)
                #expect(selected == sorted[rank], "rank \(rank) of \(values.count)")
                #expect(work[..<rank].allSatisfy { $0 <= selected })
                #expect(work[(rank + 1)...].allSatisfy { $0 >= selected })
                #expect(work.sorted() == sorted, "select must only reorder")
            }
        }
    }

    @Test("the tail spread is the larger distance from the median to the 1st or 99th percentile")
    func tailSpread() {
        for values in Self.cases() {
            let sorted = values.sorted()
            let m = sorted.count
            let median = Double(sorted[m / 2])
            let expected = max(
                Double(sorted[min(m - 1, Int(0.99 * Double(m)))]) - median,
                median - Double(sorted[Int(0.01 * Double(m))]))
            var work = values
            #expect(FeatureScaler.tailSpread(of: &work) == expected)
        }
        var four: [Float] = [4, 1, 3, 2]
        #expect(FeatureScaler.tailSpread(of: &four) == 2)
    }
}
