#if canImport(Glibc)
    import Glibc
#endif

/// Adam with bias correction (Kingma & Ba, 2015) and optional decoupled weight decay (AdamW, Loshchilov &
/// Hutter, 2019) applied to weight matrices only. First and second moments live in two flat buffers laid
/// out like the parameters, so disjoint ranges can be updated by different threads.
final class Adam {
    let learningRate: Float
    let beta1: Float
    let beta2: Float
    let epsilon: Float
    let weightDecay: Float
    let count: Int
    /// 1 for entries that decay (weights), 0 for biases and log-variances: `[count]`.
    private let decayMask: UnsafeMutablePointer<Float>
    /// First and second moment estimates: `[count]` each.
    private let firstMoment: UnsafeMutablePointer<Float>
    private let secondMoment: UnsafeMutablePointer<Float>
    /// Steps taken so far (t in the bias corrections).
    private(set) var step = 0

    init(
        layout: ParameterLayout, learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        count = layout.count
        decayMask = .allocate(capacity: max(1, count))
        decayMask.initialize(repeating: 0, count: max(1, count))
        for range in layout.weightRanges {
            (decayMask + range.lowerBound).update(repeating: 1, count: range.count)
        }
        firstMoment = .allocate(capacity: max(1, count))
        firstMoment.initialize(repeating: 0, count: max(1, count))
        secondMoment = .allocate(capacity: max(1, count))
        secondMoment.initialize(repeating: 0, count: max(1, count))
    }

    deinit {
        decayMask.deallocate()
        firstMoment.deallocate()
        secondMoment.deallocate()
    }

    /// Starts step t + 1; call once, on one thread, before the ``update(_:gradient:range:)`` calls of a step.
    func beginStep() { step += 1 }

    /// Updates `parameters[range]` from `gradient[range]` for the current step:
    /// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − η (m̂ / (√v̂ + ε) + λ·mask·p), with m̂ = m / (1−β₁ᵗ) and
    /// v̂ = v / (1−β₂ᵗ). Disjoint ranges may be updated concurrently.
    func update(_ parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, range: Range<Int>) {
        precondition(step > 0, "Adam: beginStep() must precede update")
        let correction1 = Float(1 / (1 - Glibc.pow(Double(beta1), Double(step))))
        let correction2 = Float(1 / (1 - Glibc.pow(Double(beta2), Double(step))))
        let (b1, b2, eps, lr, wd) = (beta1, beta2, epsilon, learningRate, weightDecay)
        let (mask, m, v) = (decayMask, firstMoment, secondMoment)
        // Eight lanes at a time through SIMD8 (whose square root is a vector instruction; the scalar one
        // carries an errno fallback that stops the loop from vectorizing), then the scalar tail.
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let g = load8(gradient + i)
            let mi = b1 * load8(m + i) + (1 - b1) * g
            let vi = b2 * load8(v + i) + (1 - b2) * g * g
            store8(mi, m + i)
            store8(vi, v + i)
            let p = load8(parameters + i)
            let denominator = (vi * correction2).squareRoot() + eps
            store8(p - lr * ((mi * correction1) / denominator + wd * load8(mask + i) * p), parameters + i)
            i += 8
        }
        while i < range.upperBound {
            let g = gradient[i]
            let mi = b1 * m[i] + (1 - b1) * g
            let vi = b2 * v[i] + (1 - b2) * g * g
            m[i] = mi
            v[i] = vi
            let p = parameters[i]
            parameters[i] = p - lr * ((mi * correction1) / ((vi * correction2).squareRoot() + eps) + wd * mask[i] * p)
            i += 1
        }
    }
}

@inline(__always)
private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load8(UnsafePointer(p)) }

@inline(__always)
private func store8(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
}
