import Compute

extension Workspace {
    /// Runs the network on the first `rows` rows of ``input``.
    ///
    /// Encoder: `input [rows, d + c] → hidden… → head [rows, 2k]` (log σ² clamped). Latent: `z = μ + e^(ℓ/2) ε`
    /// with ε read from ``noise`` when `sampling`, else z = μ (read in place from the head, row stride 2k).
    /// Decoder: `z [rows, k] → hidden… → reconstruction [rows, d]`; with c conditions, z is first copied into
    /// ``decoderInput`` beside them, and the decoder reads `[z | c] [rows, k + c]`.
    func forward(_ parameters: UnsafePointer<Float>, rows: Int, sampling: Bool) {
        let k = architecture.latentWidth
        let c = architecture.conditionWidth
        var previous = UnsafePointer(input)
        var previousStride = architecture.inputWidth + c
        for (index, layer) in layout.dense.enumerated() {
            let shape = layer.shape
            let out = outputs[index]  // [rows, outputs]
            gemm(
                .none, .none, m: rows, n: shape.outputs, k: shape.inputs,
                a: previous, lda: previousStride, b: parameters + layer.weights, ldb: shape.outputs,
                c: out, ldc: shape.outputs)
            Kernels.addBiasActivate(
                out, rows: rows, cols: shape.outputs, bias: parameters + layer.bias,
                activation: shape.isActivated ? architecture.activation : nil)
            previous = UnsafePointer(out)
            previousStride = shape.outputs
            if shape.role == .latentHead {
                GaussianKernels.clampLogVariance(out, rows: rows, latent: k)
                if sampling {
                    GaussianKernels.sample(head: out, noise: noise, rows: rows, latent: k, into: z)
                    previous = UnsafePointer(z)
                    previousStride = k
                } else {
                    // z = μ: the first k columns of the head, read with the head's row stride.
                    previousStride = 2 * k
                }
                if c > 0 {
                    for i in 0..<rows {
                        (decoderInput + i * (k + c)).update(from: previous + i * previousStride, count: k)
                    }
                    previous = UnsafePointer(decoderInput)
                    previousStride = k + c
                }
            }
        }
    }

    /// The input of dense layer `index` and its row stride, as the forward pass used it.
    func layerInput(_ index: Int, sampling: Bool) -> (UnsafePointer<Float>, stride: Int) {
        let c = architecture.conditionWidth
        if index == 0 { return (UnsafePointer(input), architecture.inputWidth + c) }
        if index == layout.headIndex + 1 {
            let k = architecture.latentWidth
            if c > 0 { return (UnsafePointer(decoderInput), k + c) }
            return sampling ? (UnsafePointer(z), k) : (UnsafePointer(head), 2 * k)
        }
        return (UnsafePointer(outputs[index - 1]), layout.dense[index - 1].shape.outputs)
    }
}
