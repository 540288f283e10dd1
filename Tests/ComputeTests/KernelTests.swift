import Compute
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Fused element-wise kernels")
struct KernelTests {
    @Test("FastMath.exp and tanh agree with libm", arguments: [Float(-87), -20, -1, -1e-3, 0, 1e-4, 0.5, 1, 10, 80])
    func fastMath(x: Float) {
        let e = FastMath.exp(x)
        #expect(abs(e - Glibc.expf(x)) <= 4 * Glibc.expf(x).ulp, "exp(\(x))")
        let t = FastMath.tanh(x)
        #expect(abs(t - Glibc.tanhf(x)) <= max(4 * abs(Glibc.tanhf(x)).ulp, 1e-7), "tanh(\(x))")
    }

    @Test("FastMath over a dense sweep stays within a few ulp; saturates instead of overflowing")
    func fastMathSweep() {
        var worstExp: Float = 0
        var worstTanh: Float = 0
        var x: Float = -87
        while x < 88 {
            worstExp = max(worstExp, abs(FastMath.exp(x) - Glibc.expf(x)) / Glibc.expf(x))
            worstTanh = max(worstTanh, abs(FastMath.tanh(x) - Glibc.tanhf(x)))
            x += 0.0137
        }
        #expect(worstExp < 5e-7)
        #expect(worstTanh < 5e-7)
        #expect(FastMath.exp(1000).isFinite)
        #expect(FastMath.exp(-1000) > 0 && FastMath.exp(-1000) < 1.3e-38)
        #expect(FastMath.exp(.nan).isNaN)
    }

    @Test("bias + activation forward and backward match the scalar reference", arguments: Activation.allCases)
    func biasActivation(activation: Activation) {
        var rng = SeededGenerator(seed: 7)
        let (rows, cols) = (5, 19)
        let a = (0..<(rows * cols)).map { _ in 2 * NormalSampler.next(&rng) }
        let bias = (0..<cols).map { _ in NormalSampler.next(&rng) }
        var h = a
        h.withUnsafeMutableBufferPointer { hp in
            Kernels.addBiasActivate(hp.baseAddress!, rows: rows, cols: cols, bias: bias, activation: activation)
        }
        for i in 0..<rows {
            for j in 0..<cols {
                #expect(h[i * cols + j] == activation.apply(a[i * cols + j] + bias[j]))
            }
        }
        let upstream = (0..<(rows * cols)).map { _ in NormalSampler.next(&rng) }
        var g = upstream
        var biasGradient = [Float](repeating: .nan, count: cols)
        g.withUnsafeMutableBufferPointer { gp in
            Kernels.activationBackward(
                gp.baseAddress!, output: h, rows: rows, cols: cols, activation: activation,
                biasGradient: &biasGradient)
        }
        for j in 0..<cols {
            var sum: Float = 0
            for i in 0..<rows {
                let expected = upstream[i * cols + j] * activation.derivative(output: h[i * cols + j])
                #expect(abs(g[i * cols + j] - expected) <= 1e-6 * max(1, abs(expected)))
                sum += g[i * cols + j]
            }
            #expect(abs(biasGradient[j] - sum) < 1e-5)
        }
    }

    @Test("derivative from the output matches a central difference of the activation", arguments: Activation.allCases)
    func derivativeFromOutput(activation: Activation) {
        for a in stride(from: Float(-3), through: 3, by: 0.37) where abs(a) > 0.05 {
            let h: Float = 1e-2
            let numeric = (activation.apply(a + h) - activation.apply(a - h)) / (2 * h)
            #expect(abs(activation.derivative(output: activation.apply(a)) - numeric) < 2e-3, "a=\(a)")
        }
    }

    @Test("row sum and sum of squares match plain loops")
    func reductions() {
        for count in [0, 1, 7, 8, 9, 33] {
            let x: [Float] = (0..<count).map { Float($0) * 0.5 - 3 }
            #expect(Kernels.sum(x, count: count) == x.reduce(0, +), "count \(count)")
            #expect(Kernels.sumOfSquares(x, count: count) == x.reduce(0) { $0 + $1 * $1 }, "count \(count)")
        }
    }
}
