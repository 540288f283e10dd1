internal import CBLAS

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    /// Use the operand as stored.
    case none
    /// Use the operand's transpose.
    case transposed
}

/// General matrix multiply on row-major operands: `C = alpha · op(A) · op(B) + beta · C`.
///
/// Shapes: op(A) is `[m, k]`, op(B) is `[k, n]`, C is `[m, n]`. `lda`, `ldb` and `ldc` are the row strides of
/// the operands *as stored* (so a stored `[k, m]` A used transposed has `lda ≥ m`). Runs single-threaded
/// through OpenBLAS's `cblas_sgemm`; parallelism comes from ``ThreadPool`` splitting the rows of a batch.
/// An empty product (any of m, n, k zero) is handled here: BLAS implementations differ on it.
public func gemm(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
    precondition(lda >= max(1, transA == .none ? k : m), "gemm: lda \(lda) too small")
    precondition(ldb >= max(1, transB == .none ? n : k), "gemm: ldb \(ldb) too small")
    precondition(ldc >= max(1, n), "gemm: ldc \(ldc) too small")
    _ = BLAS.singleThreaded
    if m == 0 || n == 0 { return }
    if k == 0 {
        scaleRows(c, rows: m, cols: n, stride: ldc, by: beta)
        return
    }
    BLAS.sgemm(
        transA == .transposed, transB == .transposed, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b,
        Int32(ldb), beta, c, Int32(ldc))
}

/// Plain triple-loop GEMM with the same contract as ``gemm(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``,
/// accumulating in `Double`. The reference the tests hold the BLAS path to.
public func gemmReference(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let aip = transA == .none ? a[i * lda + p] : a[p * lda + i]
                let bpj = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                sum += Double(aip) * Double(bpj)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * sum + old)
        }
    }
}

/// C[i, j] *= factor over a strided `[rows, cols]` block; `factor == 0` writes zeros (as BLAS does).
func scaleRows(_ c: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int, by factor: Float) {
    for i in 0..<rows {
        let row = c + i * stride
        for j in 0..<cols { row[j] = factor == 0 ? 0 : row[j] * factor }
    }
}

extension Matrix {
    /// `op(self) · op(other)`, allocating the result. Traps when the inner dimensions differ.
    public func multiplied(
        by other: Matrix, transposingSelf: Bool = false, transposingOther: Bool = false
    ) -> Matrix {
        let (m, k) = transposingSelf ? (cols, rows) : (rows, cols)
        let (kb, nb) = transposingOther ? (other.cols, other.rows) : (other.rows, other.cols)
        precondition(
            k == kb,
            "Matrix.multiplied: inner dimensions differ, [\(m), \(k)] · [\(kb), \(nb)]")
        var result = Matrix(rows: m, cols: nb)
        withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    gemm(
                        transposingSelf ? .transposed : .none, transposingOther ? .transposed : .none,
                        m: m, n: nb, k: k, a: a.baseAddress!, lda: max(1, cols), b: b.baseAddress!,
                        ldb: max(1, other.cols), c: c.baseAddress!, ldc: max(1, nb))
                }
            }
        }
        return result
    }
}

/// The one place that calls into OpenBLAS.
enum BLAS {
    /// `cblas_sgemm` in row-major order.
    static func sgemm(
        _ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32, _ beta: Float,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int32
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, alpha,
            a, lda, b, ldb, beta, c, ldc)
    }

    /// Switches OpenBLAS's own threading off (`openblas_set_num_threads(1)`), so that each GEMM runs on
    /// the thread that calls it and ``ThreadPool`` alone decides how the cores are used. Idempotent.
    static let singleThreaded: Void = {
        openblas_set_num_threads(1)
    }()

    /// Threads OpenBLAS would use for one call (`openblas_get_num_threads`).
    static var threadCount: Int { Int(openblas_get_num_threads()) }
}

extension ThreadPool {
    /// Threads OpenBLAS uses for one GEMM; 1 once any pool exists (or any GEMM ran), so BLAS never competes
    /// with the pool for cores.
    public static var blasThreadCount: Int { BLAS.threadCount }
}
