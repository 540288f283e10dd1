import VAE

extension Detector {
    /// A detector from a model file's decoded header and weights.
    ///
    /// - Throws: ``DetectorError`` when the weights do not fit the header's network, the header lacks a scaler or
    ///   threshold, or its extreme-value threshold state is out of range. A header without that state (every file
    ///   written before it existed) has a quantile threshold.
    public convenience init(header: ModelHeader, weights: [Float]) throws(DetectorError) {
        if let tail = header.thresholdTail { _ = try ExtremeValueThreshold(tail: tail) }
        let model: VAEModel
        do {
            model = try VAEModel(architecture: header.architecture, parameters: weights)
        } catch {
            throw DetectorError(.incompatibleModel, "the model file's weights do not fit its network: \(error)")
        }
        try self.init(model: model, header: header)
    }

    /// The detector as model-file bytes (``ModelFileFormat``).
    public func fileBytes() throws(DetectorError) -> [UInt8] {
        do {
            return try ModelFileFormat.encode(header: header, weights: model.parameters)
        } catch {
            throw DetectorError(.incompatibleModel, "cannot encode the model: \(error)")
        }
    }

    /// The checksum a model file carries (its last bytes), as hexadecimal text, as `vaewatch inspect` prints it.
    public static func checksumText(ofFile bytes: [UInt8]) -> String {
        bytes.suffix(ModelFileFormat.checksumLength).reversed().map { (byte: UInt8) -> String in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// The training summary as a small JSON object for the registry's `metrics` column (`{}` without one).
    public var trainingSummaryJSON: String {
        header.training.map {
            "{\"training_rows\":\($0.trainingRows),\"epochs\":\($0.epochs),\"loss\":\($0.trainingLoss)}"
        } ?? "{}"
    }
}
