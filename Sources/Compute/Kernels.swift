/// Fused element-wise kernels over contiguous row-major blocks.
///
/// Every kernel takes raw pointers and a shape, touches each element once, and keeps a fixed order of
/// floating-point operations so that results are bit-identical run to run. Inner loops run along a
/// row (unit stride) and are written branch-free so the compiler vectorizes them; the scalar methods
/// on ``Activation`` are the plain reference they are tested against.
public enum Kernels {
    /// Forward half of a dense layer after its GEMM: `h[i, j] = f(h[i, j] + bias[j])` in place, with `f`
    /// the activation or the identity when `activation` is nil.
    ///
    /// Shapes: h `[rows, cols]`, bias `[cols]`.
    public static func addBiasActivate(
        _ h: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>, activation: Activation?
    ) {
        switch activation {
        case nil: forEachRow(h, rows: rows, cols: cols, bias: bias) { $0 }
        case .relu: forEachRow(h, rows: rows, cols: cols, bias: bias) { $0 > 0 ? $0 : 0 }
        case .tanh: forEachRow(h, rows: rows, cols: cols, bias: bias) { FastMath.tanh($0) }
        case .elu: forEachRow(h, rows: rows, cols: cols, bias: bias) { $0 > 0 ? $0 : FastMath.exp($0) - 1 }
        }
    }

    @inline(__always)
    static func forEachRow(
        _ h: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>,
        _ f: (Float) -> Float
    ) {
        for i in 0..<rows {
            let row = h + i * cols
            for j in 0..<cols { row[j] = f(row[j] + bias[j]) }
        }
    }

    /// Backward half of a dense layer: turns the gradient with respect to the layer's output into the
    /// gradient with respect to its pre-activation, `g[i, j] *= f′(h[i, j])` in place, and writes the bias
    /// gradient `biasGradient[j] = Σᵢ g[i, j]` (rows summed in order). A nil activation is the identity.
    ///
    /// Shapes: g `[rows, cols]` (in: ∂L/∂h, out: ∂L/∂a), h `[rows, cols]` post-activation, biasGradient `[cols]`.
    public static func activationBackward(
        _ g: UnsafeMutablePointer<Float>, output h: UnsafePointer<Float>, rows: Int, cols: Int,
        activation: Activation?, biasGradient: UnsafeMutablePointer<Float>
    ) {
        biasGradient.update(repeating: 0, count: cols)
        switch activation {
        case nil: backwardRows(g, h, rows: rows, cols: cols, biasGradient) { g, _ in g }
        case .relu: backwardRows(g, h, rows: rows, cols: cols, biasGradient) { g, h in h > 0 ? g : 0 }
        case .tanh: backwardRows(g, h, rows: rows, cols: cols, biasGradient) { g, h in g * (1 - h * h) }
        case .elu: backwardRows(g, h, rows: rows, cols: cols, biasGradient) { g, h in h > 0 ? g : g * (h + 1) }
        }
    }

    @inline(__always)
    static func backwardRows(
        _ g: UnsafeMutablePointer<Float>, _ h: UnsafePointer<Float>, rows: Int, cols: Int,
        _ biasGradient: UnsafeMutablePointer<Float>, _ f: (Float, Float) -> Float
    ) {
        for i in 0..<rows {
            let gRow = g + i * cols
            let hRow = h + i * cols
            for j in 0..<cols {
                let d = f(gRow[j], hRow[j])
                gRow[j] = d
                biasGradient[j] += d
            }
        }
    }

    /// `Σⱼ x[j]` over one contiguous row, with eight partial sums combined in a fixed order.
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        let raw = UnsafeRawPointer(x)
        while j + 8 <= count {
            acc += raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        var total = (acc[0] + acc[4]) + (acc[1] + acc[5]) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
        while j < count {
            total += x[j]
            j += 1
        }
        return total
    }

    /// `Σ x²` over a contiguous vector, with eight partial sums combined in a fixed order.
    public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        let raw = UnsafeRawPointer(x)
        while j + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            acc += v * v
            j += 8
        }
        var total = (acc[0] + acc[4]) + (acc[1] + acc[5]) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
        while j < count {
            total += x[j] * x[j]
            j += 1
        }
        return total
    }
}
