import Compute
import Detector
import PostgresStore
import Synchronization
import TestSupport
import Testing

/// ``ModelRegistry``: model files stored byte for byte, newest active first.
@Suite("PostgresStore: model registry")
struct ModelRegistryTests {
    @Test("store, newestActive, setActive and list; a version is never replaced")
    func registryLifecycle() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        var random = SplitMix64(seed: 5)
        let files: [[UInt8]] = [
            [0x00], Array(0...255) + [0xFF, 0x00], (0..<300_000).map { _ in UInt8(truncatingIfNeeded: random.next()) },
        ]
        for (index, bytes) in files.enumerated() {
            let version = try ModelRegistry.store(
                source: "public.metrics", wanted: index + 1,
                metrics: #"{"records": \#(index * 100), "note": "v\#(index + 1)"}"#, on: connection
            ) { _ in bytes }
            #expect(version == index + 1)
        }
        #expect(try ModelRegistry.store(source: "other", wanted: 9, metrics: "{}", on: connection) { _ in [9] } == 9)

        let newest = try #require(try ModelRegistry.newestActive(source: "public.metrics", on: connection))
        #expect(newest.version == 3 && newest.bytes == files[2] && newest.size == 300_000)
        #expect(newest.source == "public.metrics" && newest.active)
        #expect(newest.checksum == Detector.checksumText(ofFile: files[2]), "the checksum the file carries")
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

        // Version 2 is taken (and 3, inactive, too): the model that asked for 2 is stored as 4, numbered so.
        var asked: [Int] = []
        let stored = try ModelRegistry.store(source: "public.metrics", wanted: 2, metrics: "{}", on: connection) {
            asked.append($0)
            return [0xFF, UInt8($0)]
        }
        #expect(stored == 4 && asked == [4])
        #expect(try ModelRegistry.newestActive(source: "public.metrics", on: connection)?.bytes == [0xFF, 4])
        #expect(try ModelRegistry.list(source: "public.metrics", on: connection).map(\.version) == [4, 3, 2, 1])
        #expect(try ModelRegistry.newestActive(source: "other", on: connection)?.bytes == [9])
        #expect(try ModelRegistry.newestActive(source: "nobody", on: connection) == nil)

        _ = try ModelRegistry.store(source: "inactive", wanted: 1, metrics: "{}", active: false, on: connection) {
            _ in [1]
        }
        #expect(try ModelRegistry.newestActive(source: "inactive", on: connection) == nil)
        #expect(try ModelRegistry.list(source: "inactive", on: connection).map(\.active) == [false])
    }

    @Test("two writers racing for a version: the one that loses takes the next number; neither is replaced")
    func racingWriters() throws {
        let database = try TestDatabase(migrated: true)
        let first = try database.connect()
        let second = try database.connect()
        #expect(try ModelRegistry.store(source: "s", wanted: 1, metrics: "{}", on: first) { _ in [1] } == 1)
        let settings = database.settings()
        // The second writer stores version 2 in a transaction that is still open: the first reads 1 as the newest,
        // asks for 2, and its INSERT waits on the uncommitted row; once that commits it loses, and takes 3.
        try second.execute("BEGIN")
        #expect(try ModelRegistry.store(source: "s", wanted: 2, metrics: "{}", on: second) { _ in [2] } == 2)
        let outcome = Mutex<Result<Int, PostgresError>?>(nil)
        let asked = Mutex<[Int]>([])
        let racer = BackgroundThread {
            let result = Result { () throws(PostgresError) in
                let racing = try Connection(settings)
                defer { racing.close() }
                return try ModelRegistry.store(source: "s", wanted: 2, metrics: "{}", on: racing) {
                    version in
                    asked.withLock { $0.append(version) }
                    return [UInt8(version), 0xAA]
                }
            }
            outcome.withLock { $0 = result }
        }
        pauseThread(.milliseconds(500))
        #expect(outcome.withLock { $0 } == nil, "the racer waits on the uncommitted version 2")
        try second.execute("COMMIT")
        racer.join()
        #expect(try outcome.withLock { $0 }?.get() == 3)
        #expect(asked.withLock { $0 } == [2, 3], "it tried 2, lost, and took 3")
        let stored = try ModelRegistry.list(source: "s", on: first).map(\.version)
        #expect(stored == [3, 2, 1])
        #expect(try ModelRegistry.newestActive(source: "s", on: first)?.bytes == [3, 0xAA])
    }

    @Test("malformed metrics JSON is a statement error and saves nothing")
    func badMetricsRefused() throws {
        let database = try TestDatabase(migrated: true)
        let connection = try database.connect()
        let error = try #require(
            postgresError {
                _ = try ModelRegistry.store(source: "s", wanted: 1, metrics: "{not json", on: connection) { _ in [1] }
            })
        #expect(error.kind == .statement && error.sqlState?.code == "22P02")
        #expect(try ModelRegistry.list(source: "s", on: connection).isEmpty)
    }
}
