import Compute
import Testing

@Suite("GEMM against the naive reference")
struct GEMMTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (7, 13, 5), (257, 33, 65), (3, 0, 4), (2, 3, 0)]
    static let cases: [(Transpose, Transpose)] = [
        (.none, .none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed),
    ]

    @Test("BLAS GEMM matches the reference on odd shapes in all transpose cases", arguments: 0..<4)
    func matchesReference(caseIndex: Int) {
        let (ta, tb) = Self.cases[caseIndex]
        var rng = SeededGenerator(seed: 42)
        for (m, n, k) in Self.shapes {
            // Stored shapes: A is [m, k] or [k, m]; B is [k, n] or [n, k].
            let (aRows, aCols) = ta == .none ? (m, k) : (k, m)
            let (bRows, bCols) = tb == .none ? (k, n) : (n, k)
            let a = (0..<(aRows * aCols)).map { _ in NormalSampler.next(&rng) }
            let b = (0..<(bRows * bCols)).map { _ in NormalSampler.next(&rng) }
            let c0 = (0..<(m * n)).map { _ in NormalSampler.next(&rng) }
            var fast = c0
            var slow = c0
            let (alpha, beta): (Float, Float) = (0.75, 0.5)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    let (pa, pb) = (
                        ap.baseAddress ?? UnsafePointer(bitPattern: 16)!,
                        bp.baseAddress ?? UnsafePointer(bitPattern: 16)!
                    )
                    fast.withUnsafeMutableBufferPointer { cp in
                        guard let c = cp.baseAddress else { return }
                        gemm(
                            ta, tb, m: m, n: n, k: k, alpha: alpha, a: pa, lda: max(1, aCols), b: pb,
                            ldb: max(1, bCols), beta: beta, c: c, ldc: max(1, n))
                    }
                    slow.withUnsafeMutableBufferPointer { cp in
                        guard let c = cp.baseAddress else { return }
                        gemmReference(
                            ta, tb, m: m, n: n, k: k, alpha: alpha, a: pa, lda: max(1, aCols), b: pb,
                            ldb: max(1, bCols), beta: beta, c: c, ldc: max(1, n))
                    }
                }
            }
            let worst = zip(fast, slow).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst < 1e-4, "m=\(m) n=\(n) k=\(k) \(ta)/\(tb): worst relative error \(worst)")
            if k == 0 {
                #expect(fast == c0.map { $0 * beta }, "k = 0 must scale C by beta")
            }
        }
    }

    @Test("Matrix.multiplied checks shapes and multiplies")
    func matrixMultiply() {
        let a = Matrix(rows: 2, cols: 3, storage: [1, 2, 3, 4, 5, 6])
        let b = Matrix(rows: 3, cols: 2, storage: [7, 8, 9, 10, 11, 12])
        #expect(a.multiplied(by: b) == Matrix(rows: 2, cols: 2, storage: [58, 64, 139, 154]))
        #expect(a.multiplied(by: a, transposingOther: true) == Matrix(rows: 2, cols: 2, storage: [14, 32, 32, 77]))
        #expect(a.multiplied(by: a, transposingSelf: true).rows == 3)
        #expect(a.transposed() == Matrix(rows: 3, cols: 2, storage: [1, 4, 2, 5, 3, 6]))
    }
}
