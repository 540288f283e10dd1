import Compute

extension Workspace {
    /// Per-record recon and KL for the rows the last ``forward(_:rows:sampling:)`` ran on; returns
    /// Σᵢ (reconᵢ + β·klᵢ). `klPerUnit [rows, k]`, when given, receives each latent unit's KL term.
    func loss(
        _ parameters: UnsafePointer<Float>, rows: Int, klPerUnit: UnsafeMutablePointer<Float>? = nil
    ) -> Float {
        let d = architecture.inputWidth
        ReconstructionKernels.forward(
            target: target, reconstruction: reconstruction, mask: mask,
            logVariance: layout.logVariance.map { parameters + $0 }, rows: rows, features: d,
            weighted: residuals, recon: recon)
        GaussianKernels.kl(
            head: head, rows: rows, latent: architecture.latentWidth, into: kl, perUnit: klPerUnit)
        var total: Float = 0
        for i in 0..<rows { total += recon[i] + architecture.beta * kl[i] }
        return total
    }

    /// Backpropagates `scale · Σᵢ ωᵢ (reconᵢ + β·klᵢ)` through the last forward pass and *writes* (does not
    /// accumulate) every parameter's gradient into `gradient [parameterCount]`. ωᵢ is `rowWeight[i]`
    /// (`[rows]`), or 1 for every row when it is nil; a row of weight 0 adds nothing.
    ///
    /// Layer by layer, from the output down, with g = ∂L/∂(layer output):
    /// g ← g ⊙ f′(h) (identity for linear layers), ∂b = Σᵢ gᵢ, ∂W = Xᵀ g, ∂X = g Wᵀ,
    /// where X is the layer's input (with conditions, X holds them too: their rows of ∂W are learned like any
    /// other, and no gradient flows into them). At the latent: ∂μ = ∂z + β·scale·μ,
    /// ∂ℓ = ∂z ⊙ ε ⊙ ½e^(ℓ/2) + β·scale·½(e^ℓ − 1). The encoder's first layer needs no ∂X.
    func backward(
        _ parameters: UnsafePointer<Float>, rows: Int, sampling: Bool, scale: Float,
        rowWeight: UnsafePointer<Float>? = nil, gradient: UnsafeMutablePointer<Float>
    ) {
        let d = architecture.inputWidth
        let k = architecture.latentWidth
        let logVarianceGradient = layout.logVariance.map { gradient + $0 }
        logVarianceGradient?.update(repeating: 0, count: d)
        ReconstructionKernels.backward(
            target: target, reconstruction: reconstruction, mask: mask,
            logVariance: layout.logVariance.map { parameters + $0 }, weighted: residuals, rows: rows, features: d,
            scale: scale, rowWeight: rowWeight, gradient: gradients[gradients.count - 1],
            logVarianceGradient: logVarianceGradient)

        for index in layout.dense.indices.reversed() {
            let layer = layout.dense[index]
            let shape = layer.shape
            let g = gradients[index]  // [rows, outputs]: ∂L/∂h in, ∂L/∂a out
            if shape.role == .latentHead {
                GaussianKernels.sampleBackward(
                    dz: dz, head: head, noise: sampling ? UnsafePointer(noise) : nil, rows: rows, latent: k,
                    gradient: g)
                GaussianKernels.klBackward(
                    head: head, rows: rows, latent: k, scale: architecture.beta * scale, rowWeight: rowWeight,
                    gradient: g)
            }
            Kernels.activationBackward(
                g, output: outputs[index], rows: rows, cols: shape.outputs,
                activation: shape.isActivated ? architecture.activation : nil,
                biasGradient: gradient + layer.bias)
            let (x, xStride) = layerInput(index, sampling: sampling)
            // ∂W [inputs, outputs] = Xᵀ [inputs, rows] · g [rows, outputs]
            gemm(
                .transposed, .none, m: shape.inputs, n: shape.outputs, k: rows,
                a: x, lda: xStride, b: g, ldb: shape.outputs,
                c: gradient + layer.weights, ldc: shape.outputs)
            guard index > 0 else { continue }
            // ∂X [rows, inputs] = g [rows, outputs] · Wᵀ [outputs, inputs]. At the decoder's first layer, whose input
            // is [z | c], only ∂z [rows, k] is wanted (the conditions are given): it takes the first k rows of W.
            let entersDecoder = index == layout.headIndex + 1
            let dx = entersDecoder ? dz : gradients[index - 1]
            let width = entersDecoder ? k : shape.inputs
            gemm(
                .none, .transposed, m: rows, n: width, k: shape.outputs,
                a: g, lda: shape.outputs, b: parameters + layer.weights, ldb: shape.outputs,
                c: dx, ldc: width)
        }
    }
}
