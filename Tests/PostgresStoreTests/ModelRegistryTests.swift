import PostgresStore
import TestSupport
import Testing

/// ``ModelRegistry``: model files stored byte for byte, newest active first.
@Suite("PostgresStore: model registry")
struct ModelRegistryTests {
    @Test("save, newestActive, setActive, list and replace")
    func registryLifecycle() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        var random = SplitMix64(seed: 5)
        let files: [[UInt8]] = [
            [0x00], Array(0...255) + [0xFF, 0x00], (0..<300_000).map { _ in UInt8(truncatingIfNeeded: random.next()) },
        ]
        for (index, bytes) in files.enumerated() {
            try ModelRegistry.save(
                source: "public.metrics", version: index + 1, bytes: bytes, checksum: "crc-\(index + 1)",
                metrics: #"{"records": \#(index * 100), "note": "v\#(index + 1)"}"#, on: connection)
        }
        try ModelRegistry.save(
            source: "other", version: 9, bytes: [9], checksum: "x", metrics: "{}", on: connection)

        let newest = try #require(try ModelRegistry.newestActive(source: "public.metrics", on: connection))
        #expect(newest.version == 3 && newest.bytes == files[2] && newest.size == 300_000)
        #expect(newest.source == "public.metrics" && newest.checksum == "crc-3" && newest.active)
        #expect(newest.metrics == #"{"note": "v3", "records": 200}"#)
        #expect(newest.createdAt.count == 20 && newest.createdAt.hasSuffix("Z") && newest.createdAt.contains("T"))

        #expect(try ModelRegistry.setActive(false, source: "public.metrics", version: 3, on: connection))
        #expect(try !ModelRegistry.setActive(false, source: "public.metrics", version: 42, on: connection))
        let second = try #require(try ModelRegistry.newestActive(source: "public.metrics", on: connection))
        #expect(second.version == 2 && second.bytes == files[1])

        let listed = try ModelRegistry.list(source: "public.metrics", on: connection)
        #expect(listed.map(\.version) == [3, 2, 1])
        #expect(listed.map(\.size) == [300_000, 258, 1])
        #expect(listed.allSatisfy { $0.bytes.isEmpty })
        #expect(listed.map(\.active) == [false, true, true])
        #expect(listed.map(\.checksum) == ["crc-3", "crc-2", "crc-1"])

        try ModelRegistry.save(
            source: "public.metrics", version: 2, bytes: [0xFF, 0xFE], checksum: "crc-2b", metrics: "{}",
            on: connection)
        let replaced = try #require(try ModelRegistry.newestActive(source: "public.metrics", on: connection))
        #expect(replaced.version == 2 && replaced.bytes == [0xFF, 0xFE] && replaced.checksum == "crc-2b")
        #expect(try ModelRegistry.list(source: "public.metrics", on: connection).count == 3)
        #expect(try ModelRegistry.newestActive(source: "other", on: connection)?.bytes == [9])
        #expect(try ModelRegistry.newestActive(source: "nobody", on: connection) == nil)

        try ModelRegistry.save(
            source: "inactive", version: 1, bytes: [1], checksum: "c", metrics: "{}", active: false, on: connection)
        #expect(try ModelRegistry.newestActive(source: "inactive", on: connection) == nil)
        #expect(try ModelRegistry.list(source: "inactive", on: connection).map(\.active) == [false])
    }

    @Test("malformed metrics JSON is a statement error and saves nothing")
    func badMetricsRefused() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        let error = try #require(
            postgresError {
                try ModelRegistry.save(
                    source: "s", version: 1, bytes: [1], checksum: "c", metrics: "{not json", on: connection)
            })
        #expect(error.kind == .statement && error.sqlState?.code == "22P02")
        #expect(try ModelRegistry.list(source: "s", on: connection).isEmpty)
    }
}
