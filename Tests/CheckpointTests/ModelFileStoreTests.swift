import TestSupport
import Checkpoint
import Glibc
import Testing
import VAE

/// A small model whose weights depend on `seed`.
private func model(seed: UInt64 = 1) -> (header: ModelHeader, weights: [Float]) {
    let architecture = Architecture(inputWidth: 5, hiddenWidths: [7], latentWidth: 3)
    let header = ModelHeader(
        featureNames: ["cpu", "mem", "disk", "net", "temp"], architecture: architecture, threshold: 3.5,
        seed: seed, createdAt: 1_700_000_000)
    let weights = (0..<architecture.parameterCount).map { Float($0) * 0.01 - 1 + Float(seed) }
    return (header, weights)
}

private func encoded(seed: UInt64 = 1) throws -> [UInt8] {
    let (header, weights) = model(seed: seed)
    return try ModelFileFormat.encode(header: header, weights: weights)
}

extension CheckpointError {
    fileprivate var format: ModelFileError? {
        if case .format(let error) = self { error } else { nil }
    }
    fileprivate var system: SystemFailure? {
        if case .system(let failure) = self { failure } else { nil }
    }
}

@Suite struct ModelFileStoreTests {
    @Test func writeThenReadRoundTrip() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let path = directory.file("model.vaem")
        let (header, weights) = model()
        try ModelFileStore.write(try ModelFileFormat.encode(header: header, weights: weights), to: path)
        let loaded = try ModelFileStore.read(path: path, expectedFeatures: header.featureNames)
        #expect(loaded.header == header)
        #expect(loaded.weights.map(\.bitPattern) == weights.map(\.bitPattern))
        #expect(directory.entries() == ["model.vaem"])
        #expect(try directory.mode(of: "model.vaem") == 0o600)
    }

    @Test func overwriteKeepsOnlyTheNewModelAndNoTemporaryFiles() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let path = directory.file("model.vaem")
        try ModelFileStore.write(try encoded(seed: 1), to: path)
        try ModelFileStore.write(try encoded(seed: 2), to: path)
        #expect(try directory.contents(of: "model.vaem") == encoded(seed: 2))
        #expect(try ModelFileStore.read(path: path).header.seed == 2)
        #expect(directory.entries() == ["model.vaem"])
    }

    @Test func writeIntoAMissingDirectoryFailsAndLeavesNothing() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let path = directory.file("missing/model.vaem")
        let error = try #require(throws: CheckpointError.self) { try ModelFileStore.write(try encoded(), to: path) }
        let failure = try #require(error.system)
        #expect(failure.action == .save && failure.call == "open" && failure.errno == ENOENT)
        #expect(failure.path == path && failure.subject.hasPrefix(path + ".tmp.\(getpid())."))
        #expect(error.description.hasPrefix("cannot save model file \(path): open(\(path).tmp."))
        #expect(error.description.contains("failed: No such file or directory (errno 2). The previous model file"))
        #expect(directory.entries() == [])
    }

    @Test func failedRenameRemovesTheTemporaryFileAndKeepsTheTarget() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        try #require(mkdir(directory.file("model.vaem"), 0o755) == 0)
        try directory.write([1, 2, 3], to: "model.vaem/keep")
        let error = try #require(throws: CheckpointError.self) {
            try ModelFileStore.write(try encoded(), to: directory.file("model.vaem"))
        }
        #expect(error.system?.call == "rename")
        #expect(error.system?.errno == EISDIR)
        #expect(directory.entries() == ["model.vaem"])
        #expect(directory.entries("model.vaem") == ["keep"])
    }

    @Test func pathNamingADirectoryIsRefused() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let error = try #require(throws: CheckpointError.self) {
            try ModelFileStore.write(try encoded(), to: directory.path + "/")
        }
        #expect(error.system?.errno == EISDIR)
        #expect(directory.entries() == [])
    }

    @Test func truncatedFilesOnDiskAreRefusedWithExpectedAndActualLength() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let path = directory.file("model.vaem")
        let bytes = try encoded()
        for length in [0, 1, 23, 24, 27, 28, 100, bytes.count / 2, bytes.count - 4, bytes.count - 1] {
            try directory.write(Array(bytes[..<length]), to: "model.vaem")
            let error = try #require(throws: CheckpointError.self) { try ModelFileStore.read(path: path) }
            let reason =
                length < 24
                ? "truncated: expected at least 28 bytes, found \(length)"
                : "truncated: expected \(bytes.count) bytes, found \(length)"
            #expect(error.format?.code == .truncated, "length \(length)")
            #expect(error.description.hasPrefix("model file \(path): \(reason). "), "length \(length)")
        }
        try directory.write(bytes + [0, 0], to: "model.vaem")
        let trailing = try #require(throws: CheckpointError.self) { try ModelFileStore.read(path: path) }
        #expect(trailing.format?.reason == "trailing data: expected \(bytes.count) bytes, found \(bytes.count + 2)")
    }

    @Test func absurdOrDamagedFilesOnDiskAreRefused() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let path = directory.file("model.vaem")
        var prefix = Array("VAEWMODL".utf8) + [1, 0, 0, 0, 2, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0x80] + [0, 0, 0, 0]
        try directory.write(prefix, to: "model.vaem")
        let absurd = try #require(throws: CheckpointError.self) { try ModelFileStore.read(path: path) }
        #expect(absurd.format?.code == .absurdLength)
        prefix[23] = 0
        prefix[19] = 0x08  // 2²⁷ weights: within the limit, but the file is 28 bytes long.
        try directory.write(prefix, to: "model.vaem")
        let short = try #require(throws: CheckpointError.self) { try ModelFileStore.read(path: path) }
        #expect(short.format?.reason == "truncated: expected \(24 + 2 + (1 << 29) + 4) bytes, found 28")

        var bytes = try encoded()
        bytes[bytes.count / 2] ^= 0x10
        try directory.write(bytes, to: "model.vaem")
        let flipped = try #require(throws: CheckpointError.self) { try ModelFileStore.read(path: path) }
        #expect(flipped.format?.code == .checksumMismatch)
    }

    @Test func fileDeclaringAHugeModelIsRefusedBeforeAllocatingForIt() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        // Declares the largest header and weight count allowed (about 1 GiB) but holds 28 bytes.
        let prefix = Array("VAEWMODL".utf8) + [1, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 0x10, 0, 0, 0, 0] + [0, 0, 0, 0]
        try directory.write(prefix, to: "model.vaem")
        func peakResidentKiB() -> Int {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return usage.ru_maxrss
        }
        let before = peakResidentKiB()
        let error = try #require(throws: CheckpointError.self) {
            try ModelFileStore.read(path: directory.file("model.vaem"))
        }
        #expect(error.format?.reason == "truncated: expected \(24 + (1 << 24) + (1 << 30) + 4) bytes, found 28")
        // Reading it whole would raise the peak by about 1 GiB; other tests running meanwhile stay far below 512 MiB.
        #expect(peakResidentKiB() - before < 512 << 10, "peak resident size grew by more than 512 MiB")
    }

    @Test func modelForOtherFeaturesIsRefused() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let path = directory.file("model.vaem")
        try ModelFileStore.write(try encoded(), to: path)
        let error = try #require(throws: CheckpointError.self) {
            try ModelFileStore.read(path: path, expectedFeatures: ["cpu", "mem", "disk", "net", "fan"])
        }
        #expect(error.format?.code == .featureMismatch)
        #expect(error.format?.source == path)
    }

    @Test func missingFilesAndDirectoriesAreSystemErrors() throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let missing = directory.file("absent.vaem")
        let error = try #require(throws: CheckpointError.self) { try ModelFileStore.read(path: missing) }
        #expect(error.system?.action == .load && error.system?.call == "open" && error.system?.errno == ENOENT)
        #expect(error.description.hasPrefix("cannot load model file \(missing): open(\(missing)) failed: "))
        let notAFile = try #require(throws: CheckpointError.self) { try ModelFileStore.read(path: directory.path) }
        #expect(notAFile.system?.call == "read" && notAFile.system?.errno == EISDIR)
    }

    @Test func readersSeeTheOldOrTheNewModelNeverAMix() async throws {
        let directory = try TestDirectory("checkpoint")
        defer { directory.remove() }
        let path = directory.file("model.vaem")
        try ModelFileStore.write(try encoded(seed: 1), to: path)
        let writer = Task {
            for round in 0..<100 { try ModelFileStore.write(try encoded(seed: 1 + UInt64(round % 2)), to: path) }
        }
        var seeds: Set<UInt64> = []
        for _ in 0..<300 {
            let loaded = try ModelFileStore.read(path: path)
            #expect(loaded.weights.map(\.bitPattern) == model(seed: loaded.header.seed).weights.map(\.bitPattern))
            seeds.insert(loaded.header.seed)
        }
        try await writer.value
        #expect(seeds.isSubset(of: [1, 2]))
        #expect(directory.entries() == ["model.vaem"])
    }
}
