import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Rows C2 and C3 of RELIABILITY.md at start-up: the daemon refuses a damaged newest checkpoint with a message
/// that says why (expected against actual length, or the checksum), falls back to the previous one, and starts.
@Suite("vaewatch serve: a damaged newest checkpoint falls back to the previous one (C2, C3)")
struct ServeCheckpointFallbackTests {
    /// Copies the model file at `source` to `target`, keeping only its first `length` bytes (all when nil) and
    /// flipping bit `flip` when given.
    static func copy(_ source: String, to target: String, length: Int? = nil, flip bit: Int? = nil) throws {
        var bytes = try readFile(source)
        if let length { bytes = Array(bytes.prefix(length)) }
        if let bit { bytes[bit / 8] ^= UInt8(1) << UInt8(bit % 8) }
        let descriptor = open(target, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        try #require(bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == bytes.count)
    }

    @Test(
        "a truncated or bit-flipped newest checkpoint is refused with the reason; the daemon starts on the previous",
        arguments: ["truncated", "bit flip"])
    func fallsBackToThePreviousCheckpoint(damage: String) throws {
        // No model.path: the daemon loads the newest valid checkpoint of its state folder.
        let fixture = try ServeFixture.stdin("c2-c3", settings: [("model.path", "\"\"")])
        defer { fixture.remove() }
        let model = try ServeModel.path()
        let checkpoints = fixture.stateDirectory + "/checkpoints"
        try #require(mkdir(checkpoints, 0o700) == 0)
        // Version 1 is the shared model (its header says version 1); the damaged copy poses as version 2.
        try Self.copy(model, to: checkpoints + "/model-v000001.vwm")
        let size = try readFile(model).count
        let newest = checkpoints + "/model-v000002.vwm"
        if damage == "truncated" {
            try Self.copy(model, to: newest, length: size - 100)
        } else {
            try Self.copy(model, to: newest, flip: (size / 2) * 8 + 3)
        }
        let daemon = try fixture.start()
        defer { daemon.kill() }
        try fixture.awaitReady(daemon)
        let status = fixture.waitForStatus(within: .seconds(5)) { $0["model_version"] != nil }
        #expect(status?["model_version"] == "1", "\(daemon.errorText)")
        let refusal = daemon.lines(.stderr).first { $0.text.contains("checkpoint refused") }?.text ?? ""
        print("C2/C3 (\(damage)): \(refusal)")
        #expect(refusal.contains("model-v000002.vwm"))
        if damage == "truncated" {
            #expect(refusal.contains("truncated: expected \(size) bytes, found \(size - 100)"), "\(refusal)")
        } else {
            #expect(refusal.contains("checksum"), "\(refusal)")
        }
        #expect(daemon.stop()?.status == 0, "\(daemon.errorText)")
    }
}
