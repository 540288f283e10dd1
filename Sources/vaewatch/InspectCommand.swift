import Report
import ArgumentParser
import Checkpoint
import Compute
import Detector
import VAE

#if canImport(Glibc)
    import Glibc
#endif

/// `vaewatch inspect`: what a model file holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model file: network, time column, features, scaler, threshold, training summary, checksum.",
        discussion: "The checksum is verified on reading; a damaged file is refused with the reason.")

    @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
    var model: String

    func run() throws {
        let detector = try ModelFiles.load(model)
        let header = detector.header
        let a = header.architecture
        var lines: [String] = []
        lines.append("model file   \(model)")
        lines.append("checksum     CRC-32C verified")
        lines.append("version      \(header.version)")
        lines.append("created      \(Self.utc(header.createdAt))")
        lines.append("seed         \(header.seed)")
        let inputs = a.conditionWidth > 0 ? "\(a.inputWidth) + \(a.conditionWidth) time inputs" : "\(a.inputWidth)"
        lines.append(
            "network      \(inputs) → \(a.hiddenWidths.map(String.init).joined(separator: " → ")) → "
                + "latent \(a.latentWidth) (μ, log σ²) → mirrored decoder; \(a.activation.rawValue); "
                + "\(a.reconstruction == .gaussian ? "Gaussian with learned variances" : "squared error") + \(a.beta)·KL"
        )
        lines.append("parameters   \(NumberText.count(a.parameterCount))")
        if let column = detector.timeColumn {
            lines.append(
                "time         column \(column): time of day and day of week (UTC) as inputs of the encoder and the "
                    + "decoder, \(TimeContext.inputNames.joined(separator: ", ")); never reconstructed or explained")
        } else {
            lines.append("time         none (the model does not know the time of a record)")
        }
        lines.append("threshold    \(detector.threshold)")
        lines.append("method       \(detector.thresholdMethodDescription)")
        if let moving = detector.extremeValueThreshold {
            let fit = moving.distribution
            lines.append(
                "tail         \(NumberText.count(moving.peakCount)) peaks above \(moving.peakThreshold) in "
                    + "\(NumberText.count(moving.recordCount)) records (at most \(NumberText.count(moving.tail.capacity))"
                    + " kept); generalized Pareto shape \(Terminal.figure(fit.shape)), "
                    + "scale \(Terminal.figure(fit.scale))")
        }
        if let s = header.training {
            var training =
                "\(NumberText.count(s.trainingRows)) records (+\(NumberText.count(s.validationRows)) held out), "
            training += "\(s.epochs) epochs, best \(s.bestEpoch)\(s.stoppedEarly ? " (stopped early)" : ""), "
            training += "loss \(s.trainingLoss)"
            if let validation = s.validationLoss { training += ", validation \(validation)" }
            training += ", \(s.activeLatentUnits) of \(a.latentWidth) latent units active"
            lines.append("training     \(training)")
            let noise = s.denoisingNoise.map { "input noise σ \($0) (standardized units)" } ?? "off"
            lines.append("denoising    \(noise)")
        }
        lines.append("features     \(header.featureNames.count)")
        let width = max(7, header.featureNames.map(\.count).max() ?? 0)
        lines.append("  " + "feature".padding(width) + "  mean          scale")
        for (index, name) in header.featureNames.enumerated() {
            let mean = detector.scaler.statistics.mean[index]
            let scale = detector.scaler.statistics.scale[index]
            lines.append("  " + name.padding(width) + "  " + "\(mean)".padding(12) + "  \(scale)")
        }
        print(lines.joined(separator: "\n"))
    }
}

extension InspectCommand {
    /// `2026-11-21 23:12:04 UTC` for seconds since 1970.
    static func utc(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return "\(seconds) s since 1970" }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) UTC"
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters.
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
