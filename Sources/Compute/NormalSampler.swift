#if canImport(Glibc)
    import Glibc
#endif

/// Standard normal variates by the ziggurat method (Marsaglia & Tsang, 2000; 128 layers).
///
/// About 98.8% of draws cost one 64-bit random number, a compare and a multiply; the rest fall back to an
/// exact wedge or tail test. The layer index and the value use disjoint bits of the draw. The plain
/// reference beside it is ``boxMuller(_:)``, which the tests compare distributions against.
public enum NormalSampler {
    /// One N(0, 1) variate.
    @inlinable
    public static func next(_ rng: inout SeededGenerator) -> Float {
        let t = Tables.shared
        while true {
            let bits = rng.next()
            let layer = Int(bits & 127)
            let hz = Int32(truncatingIfNeeded: bits >> 32)
            if UInt32(hz.magnitude) < t.k[layer] { return Float(hz) * t.w[layer] }
            if let x = slowPath(hz: hz, layer: layer, &rng) { return x }
        }
    }

    /// Fills `buffer` with N(0, 1) variates, in order.
    public static func fill(_ buffer: UnsafeMutableBufferPointer<Float>, _ rng: inout SeededGenerator) {
        for i in buffer.indices { buffer[i] = next(&rng) }
    }

    /// Box–Muller reference sampler: slow (log, sqrt, cos per draw) and obviously right.
    public static func boxMuller(_ rng: inout SeededGenerator) -> Float {
        let u1 = rng.nextOpenUnitDouble()
        let u2 = rng.nextOpenUnitDouble()
        return Float((-2 * Glibc.log(u1)).squareRoot() * Glibc.cos(2 * Double.pi * u2))
    }

    /// Wedge and tail tests for draws outside a layer's rectangle core; nil means "draw again".
    @usableFromInline
    static func slowPath(hz: Int32, layer: Int, _ rng: inout SeededGenerator) -> Float? {
        let t = Tables.shared
        let r = Tables.tailStart
        let x = Double(hz) * Double(t.w[layer])
        if layer == 0 {
            // Tail beyond r: Marsaglia's exponential-rejection method.
            var tx: Double
            var ty: Double
            repeat {
                tx = -Glibc.log(rng.nextOpenUnitDouble()) / r
                ty = -Glibc.log(rng.nextOpenUnitDouble())
            } while ty + ty < tx * tx
            return Float(hz > 0 ? r + tx : -r - tx)
        }
        let u = Double(rng.nextUnitFloat())
        if Double(t.f[layer]) + u * Double(t.f[layer - 1] - t.f[layer]) < Glibc.exp(-0.5 * x * x) {
            return Float(x)
        }
        return nil
    }

    /// Layer tables, computed once.
    @usableFromInline
    final class Tables: Sendable {
        @usableFromInline static let shared = Tables()
        /// Start of the tail, r.
        static let tailStart = 3.442_619_855_899
        /// Rectangle-core thresholds on |hz|.
        @usableFromInline let k: [UInt32]
        /// Scale from hz to x per layer.
        @usableFromInline let w: [Float]
        /// Density at each layer's edge.
        @usableFromInline let f: [Float]

        init() {
            let m1 = 2_147_483_648.0
            let vn = 9.912_563_035_262_17e-3
            var dn = Tables.tailStart
            var tn = dn
            var k = [UInt32](repeating: 0, count: 128)
            var w = [Float](repeating: 0, count: 128)
            var f = [Float](repeating: 0, count: 128)
            let q = vn / Glibc.exp(-0.5 * dn * dn)
            k[0] = UInt32((dn / q) * m1)
            k[1] = 0
            w[0] = Float(q / m1)
            w[127] = Float(dn / m1)
            f[0] = 1
            f[127] = Float(Glibc.exp(-0.5 * dn * dn))
            for i in stride(from: 126, through: 1, by: -1) {
                dn = (-2 * Glibc.log(vn / dn + Glibc.exp(-0.5 * dn * dn))).squareRoot()
                k[i + 1] = UInt32((dn / tn) * m1)
                tn = dn
                f[i] = Float(Glibc.exp(-0.5 * dn * dn))
                w[i] = Float(dn / m1)
            }
            self.k = k
            self.w = w
            self.f = f
        }
    }
}
