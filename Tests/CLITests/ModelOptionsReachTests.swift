import TestSupport
import Testing

/// Issue 19, item 12 (points 1 and 2): denoising reaches `train`, `score` and `serve`, the activation reaches
/// `serve`, and `inspect` shows what a model was trained with.
@Suite("vaewatch train, score, serve: --denoise, model.denoise and model.activation")
struct ModelOptionsReachTests {
    /// The lines of `vaewatch inspect` for the model file at `path`.
    static func inspected(_ path: String, in directory: TestDirectory) throws -> [Substring] {
        let shown = try vaewatch(["inspect", path], in: directory)
        try #require(shown.status == 0, "\(shown.stderr)")
        return shown.lines
    }

    @Test("train --denoise records the noise, inspect shows it; without it inspect says off; out of range is refused")
    func trainDenoise() throws {
        let directory = try TestDirectory("cli-denoise")
        defer { directory.remove() }
        let input = Array(SyntheticStream(rows: 500, seed: 4).csv.utf8)
        let plain = directory.file("plain.vaew")
        let noisy = directory.file("noisy.vaew")
        for (path, extra) in [(plain, [String]()), (noisy, ["--denoise", "0.25"])] {
            let trained = try vaewatch(
                ["train", "--out", path, "--ignore", "label", "--epochs", "3", "--seed", "2"] + extra, input: input,
                in: directory)
            try #require(trained.status == 0, "\(trained.stderr)")
        }
        #expect(try Self.inspected(plain, in: directory).contains("denoising    off"))
        #expect(
            try Self.inspected(noisy, in: directory).contains("denoising    input noise σ 0.25 (standardized units)"))
        // The same seed and data without noise give other weights, so the noise reached the training steps.
        #expect(try directory.contents(of: "plain.vaew") != directory.contents(of: "noisy.vaew"))
        for bad in ["-0.1", "6", "nan"] {
            let refused = try vaewatch(
                ["train", "--out", directory.file("x.vaew"), "--ignore", "label", "--denoise=\(bad)"], input: input,
                in: directory)
            #expect(refused.status == 64, "--denoise \(bad): \(refused.stderr)")
            #expect(
                refused.stderr.contains("--denoise must be from 0 (off) to 5 standard deviations, got"),
                "--denoise \(bad): \(refused.stderr)")
        }
    }

    @Test("score --denoise trains its warm-up model with the noise, and --save keeps it")
    func scoreDenoise() throws {
        let directory = try TestDirectory("cli-score-denoise")
        defer { directory.remove() }
        let input = Array(SyntheticStream(rows: 400, seed: 5).csv.utf8)
        let saved = directory.file("saved.vaew")
        let scored = try vaewatch(
            ["score", "--ignore", "label", "--warmup", "300", "--epochs", "2", "--denoise", "0.5", "--save", saved],
            input: input, in: directory)
        try #require(scored.status == 0, "\(scored.stderr)")
        #expect(scored.lines.count == 401)
        #expect(
            try Self.inspected(saved, in: directory).contains("denoising    input noise σ 0.5 (standardized units)"))
    }

    @Test("serve's warm-up model is trained with model.denoise and model.activation; bad values are refused")
    func serveSettings() throws {
        let fixture = try ServeFixture.stdin(
            "serve-model-options",
            settings: [
                ("model.path", "\"\""), ("training.warmup", "200"), ("training.epochs", "2"), ("model.min_steps", "0"),
                ("model.denoise", "0.3"), ("model.activation", "tanh"),
            ])
        defer { fixture.remove() }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        var rows = ServeRows(count: 300)
        #expect(daemon.write(ServeRows.header + rows.take(300)))
        let scored = eventually(within: .seconds(60)) { scoredLines(daemon).count == 300 }
        try #require(scored, "\(scoredLines(daemon).count) lines\n\(daemon.errorText)")
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
        let lines = try Self.inspected(
            fixture.stateDirectory + "/checkpoints/model-v000001.vwm", in: fixture.directory)
        #expect(lines.contains { $0.hasPrefix("network ") && $0.contains("; tanh; ") }, "\(lines)")
        #expect(lines.contains("denoising    input noise σ 0.3 (standardized units)"), "\(lines)")

        let refused = try vaewatch(
            ["check-config", "--set", "model.denoise=7", "--set", "model.activation=sigmoid"], in: fixture.directory)
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("model.denoise: 7 is above the maximum 5"), "\(refused.stderr)")
        #expect(
            refused.stderr.contains("model.activation: expected one of relu, tanh, elu, found \"sigmoid\""),
            "\(refused.stderr)")
    }
}
