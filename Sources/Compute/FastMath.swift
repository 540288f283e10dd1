/// Branch-free `exp` and `tanh` for Float that the compiler can vectorize inside kernel loops.
///
/// Both are polynomial approximations after Cephes (`expf`, `tanhf`), accurate to a few ulp over
/// their range. `exp` saturates at both ends instead of overflowing to infinity or going subnormal: at
/// e⁸⁸ ≈ 1.65e38 above and e^−87.3 ≈ 1.2e−38 below; NaN in gives NaN out. The scalar references they are tested against are Glibc's
/// `expf` and `tanhf`.
public enum FastMath {
    /// eˣ, clamped to [e^−87.3, e⁸⁸].
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        var x = x < -87.3 ? -87.3 : x
        x = x > 88 ? 88 : x
        // Round x·log2(e) to the nearest integer n with the 1.5·2²³ trick: the integer lands in the
        // low mantissa bits of t, so n needs no (trapping) Float→Int conversion.
        let magic: Float = 12_582_912
        let t = x * 1.442_695_04 + magic
        let n = t - magic
        // r = x − n·ln 2 in two steps (Cody–Waite) to keep the low bits.
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let y = p * (r * r) + r + 1
        let exponentBits = (t.bitPattern &- 0x4B40_0000 &+ 127) << 23
        return y * Float(bitPattern: exponentBits)
    }

    /// tanh(x).
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let ax = x < 0 ? -x : x
        // Small |x|: odd polynomial, no cancellation.
        let z = x * x
        var p: Float = -5.704_988_72e-3
        p = p * z + 2.063_908_88e-2
        p = p * z - 5.373_971_55e-2
        p = p * z + 1.333_144_22e-1
        p = p * z - 3.333_328_19e-1
        let small = x + x * z * p
        // Large |x|: 1 − 2 / (e^(2|x|) + 1), sign restored.
        let large = 1 - 2 / (exp(2 * ax) + 1)
        let signed = x < 0 ? -large : large
        return ax < 0.625 ? small : signed
    }
}
