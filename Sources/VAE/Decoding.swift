import Compute

extension VAEModel {
    /// Runs the decoder alone: latent codes `z [n, k]` to reconstructions `[n, d]` (the mean of p(x|z), in the
    /// standardized units the model was trained in). With z drawn from the prior N(0, I) this is the generative
    /// side of the VAE: records the model considers typical. A network with conditions decodes `[z | c]`: give
    /// `conditions [n, c]`, the conditions to draw records for (a time of day and day of week, for one).
    public func decode(_ z: Matrix, conditions: Matrix? = nil) -> Matrix {
        let k = architecture.latentWidth
        let c = architecture.conditionWidth
        precondition(z.cols == k, "VAEModel.decode: codes have \(z.cols) columns, the model's latent width is \(k)")
        checkConditions(conditions, rows: z.rows, caller: "VAEModel.decode")
        var current = z  // [n, k]
        if let conditions {
            var joined = [Float]()
            joined.reserveCapacity(z.rows * (k + c))
            for i in 0..<z.rows {
                joined.append(contentsOf: z.storage[(i * k)..<((i + 1) * k)])
                joined.append(contentsOf: conditions.storage[(i * c)..<((i + 1) * c)])
            }
            current = Matrix(rows: z.rows, cols: k + c, storage: joined)  // [n, k + c]
        }
        for layer in layout.dense[(layout.headIndex + 1)...] {
            let shape = layer.shape
            let weights = Matrix(
                rows: shape.inputs, cols: shape.outputs,
                storage: Array(parameters[layer.weights..<(layer.weights + shape.inputs * shape.outputs)]))
            var next = current.multiplied(by: weights)  // [n, outputs]
            next.withUnsafeMutableBufferPointer { out in
                parameters.withUnsafeBufferPointer { ps in
                    Kernels.addBiasActivate(
                        out.baseAddress!, rows: z.rows, cols: shape.outputs, bias: ps.baseAddress! + layer.bias,
                        activation: shape.isActivated ? architecture.activation : nil)
                }
            }
            current = next
        }
        return current  // [n, d]
    }
}
