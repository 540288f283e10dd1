import Compute

/// Activation and gradient buffers for running the network on up to `capacity` rows at once. One per
/// worker thread; reused across batches so the hot loop allocates nothing.
final class Workspace {
    let architecture: Architecture
    let layout: ParameterLayout
    let capacity: Int
    /// Encoder input: the features x̃ (noisy in denoising mode), then the conditions: `[capacity, d + c]`.
    let input: UnsafeMutablePointer<Float>
    /// Reconstruction target x: `[capacity, d]`.
    let target: UnsafeMutablePointer<Float>
    /// Observed-feature mask, 1 or 0: `[capacity, d]`.
    let mask: UnsafeMutablePointer<Float>
    /// Output of each dense layer (post-activation), `[capacity, outputs]`; the head's is `[μ | log σ²]`.
    let outputs: [UnsafeMutablePointer<Float>]
    /// Gradient with respect to each dense layer's output, same shapes as ``outputs``.
    let gradients: [UnsafeMutablePointer<Float>]
    /// Sampled latent z `[capacity, k]` and its noise ε `[capacity, k]`.
    let z: UnsafeMutablePointer<Float>
    let noise: UnsafeMutablePointer<Float>
    /// ∂L/∂z: `[capacity, k]`.
    let dz: UnsafeMutablePointer<Float>
    /// Decoder input with conditions: the latent code z, then the conditions: `[capacity, k + c]` (unused when
    /// c = 0: the decoder then reads z, or μ from the head, in place).
    let decoderInput: UnsafeMutablePointer<Float>
    /// Per-row reconstruction term, KL term: `[capacity]` each.
    let recon: UnsafeMutablePointer<Float>
    let kl: UnsafeMutablePointer<Float>
    /// Per-row weight of the loss in the backward pass: `[capacity]`.
    let rowWeight: UnsafeMutablePointer<Float>
    /// Per-element weighted squared residuals: `[capacity, d]`.
    let residuals: UnsafeMutablePointer<Float>
    /// This worker's parameter gradient: `[parameterCount]`.
    let parameterGradient: UnsafeMutablePointer<Float>
    private var allocations: [UnsafeMutablePointer<Float>] = []

    init(architecture: Architecture, layout: ParameterLayout, capacity: Int) {
        self.architecture = architecture
        self.layout = layout
        self.capacity = capacity
        var allocations: [UnsafeMutablePointer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            p.initialize(repeating: 0, count: max(1, count))
            allocations.append(p)
            return p
        }
        let d = architecture.inputWidth
        let k = architecture.latentWidth
        let c = architecture.conditionWidth
        input = buffer(capacity * (d + c))
        target = buffer(capacity * d)
        mask = buffer(capacity * d)
        outputs = layout.dense.map { buffer(capacity * $0.shape.outputs) }
        gradients = layout.dense.map { buffer(capacity * $0.shape.outputs) }
        z = buffer(capacity * k)
        noise = buffer(capacity * k)
        dz = buffer(capacity * k)
        decoderInput = buffer(c > 0 ? capacity * (k + c) : 0)
        recon = buffer(capacity)
        kl = buffer(capacity)
        rowWeight = buffer(capacity)
        residuals = buffer(capacity * d)
        parameterGradient = buffer(layout.count)
        self.allocations = allocations
    }

    deinit {
        for p in allocations { p.deallocate() }
    }

    /// The head's output `[rows, 2k]`: μ in the first k columns, log σ² in the last k.
    var head: UnsafeMutablePointer<Float> { outputs[layout.headIndex] }
    /// The reconstruction x̂ `[rows, d]`.
    var reconstruction: UnsafeMutablePointer<Float> { outputs[outputs.count - 1] }

    /// Copies rows of `source [*, d]` into ``input`` and ``target``, of `mask` (or ones) into ``mask``, and of
    /// `conditions [*, c]` (needed when c > 0) into the last c columns of ``input`` and ``decoderInput``.
    func load(
        rows indices: some Collection<Int>, from source: UnsafePointer<Float>, mask sourceMask: UnsafePointer<Float>?,
        conditions: UnsafePointer<Float>? = nil
    ) {
        precondition(indices.count <= capacity, "Workspace: \(indices.count) rows exceed capacity \(capacity)")
        let d = architecture.inputWidth
        let k = architecture.latentWidth
        let c = architecture.conditionWidth
        precondition(c == 0 || conditions != nil, "Workspace: a network with \(c) conditions loaded without them")
        for (slot, row) in indices.enumerated() {
            (target + slot * d).update(from: source + row * d, count: d)
            if let sourceMask {
                (mask + slot * d).update(from: sourceMask + row * d, count: d)
            } else {
                (mask + slot * d).update(repeating: 1, count: d)
            }
            if let conditions, c > 0 {
                (input + slot * (d + c)).update(from: source + row * d, count: d)
                (input + slot * (d + c) + d).update(from: conditions + row * c, count: c)
                (decoderInput + slot * (k + c) + k).update(from: conditions + row * c, count: c)
            }
        }
        if c == 0 { input.update(from: target, count: indices.count * d) }
    }

    /// Loads rows for a training step and draws their noise: ε for sampling z, and the encoder input's Gaussian
    /// noise of standard deviation `denoisingNoise` (0 for none). A row's noise depends only on `noiseSeed` and its
    /// place in the batch (`positions`, one per row), never on which worker draws it.
    func load(
        rows indices: some Collection<Int>, from source: UnsafePointer<Float>, mask sourceMask: UnsafePointer<Float>?,
        conditions: UnsafePointer<Float>?, positions: Range<Int>, noiseSeed: UInt64, sampling: Bool,
        denoisingNoise sigma: Float
    ) {
        load(rows: indices, from: source, mask: sourceMask, conditions: conditions)
        let d = architecture.inputWidth
        let k = architecture.latentWidth
        let stride = d + architecture.conditionWidth
        for (slot, position) in positions.enumerated() {
            var generator = SeededGenerator(seed: noiseSeed &+ UInt64(position) &* 0x9E37_79B9_7F4A_7C15)
            if sampling {
                NormalSampler.fill(UnsafeMutableBufferPointer(start: noise + slot * k, count: k), &generator)
            }
            if sigma > 0 {
                let row = input + slot * stride  // the features only: the conditions stay as given
                for j in 0..<d { row[j] += sigma * NormalSampler.next(&generator) }
            }
        }
    }
}
