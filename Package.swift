// swift-tools-version: 6.1
// vaewatch: a streaming anomaly-detection daemon built on a variational autoencoder.
// Layers point one way: SystemIO → Compute → VAE → Detector → Checkpoint → adapters → Daemon → vaewatch.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "vaewatch",
    products: [
        .executable(name: "vaewatch", targets: ["vaewatch"]),
        .executable(name: "vaewatch-bench", targets: ["vaewatch-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // /metrics: swift-metrics is the API the daemon records through, swift-prometheus the registry and the text
        // format, SwiftNIO's HTTP/1.1 server (on an event loop thread of its own) serves it.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // C libraries, each imported by exactly one Swift module.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),

        // The one wrapper over the system calls on files and descriptors: typed errors, EINTR, partial writes, the
        // atomic file replace. Glibc only; no policy.
        .target(name: "SystemIO", swiftSettings: strictSettings),
        // Matrices, GEMM, fused kernels, thread pool, RNG. No I/O.
        .target(name: "Compute", dependencies: ["CBLAS"], swiftSettings: strictSettings),
        // The network, its loss, backward pass, optimizer, trainer and model-file codec. No I/O.
        .target(name: "VAE", dependencies: ["Compute"], swiftSettings: strictSettings),
        // Durable, atomic model files on disk, and the one way a model file becomes a detector.
        .target(name: "Checkpoint", dependencies: ["SystemIO", "VAE", "Detector"], swiftSettings: strictSettings),
        // The domain: record batches, feature scaling, verdicts, threshold, training window, retrain policy. No I/O.
        .target(name: "Detector", dependencies: ["VAE", "Compute"], swiftSettings: strictSettings),
        // The byte-level line parsers of RecordIO: the line reader, CSV and JSON-lines parsing, numbers, located
        // rejects, RecordIOError. Knows nothing of Compute or Detector, so scripts/fuzz can build it alone.
        .target(name: "RecordParsing", dependencies: ["SystemIO"], swiftSettings: strictSettings),
        // Standard input and output: CSV and JSON-lines readers and writers, located rejects.
        .target(
            name: "RecordIO", dependencies: ["RecordParsing", "SystemIO", "Detector", "Compute"],
            swiftSettings: strictSettings),
        // PostgreSQL: the libpq wrapper, migrations, queue and watermark sources, the verdict sink, the model registry.
        .target(
            name: "PostgresStore",
            dependencies: ["CLibPQ", "Detector", "Compute"],
            resources: [.embedInCode("sql")],
            swiftSettings: strictSettings
        ),
        // The service: configuration, pipelines, retraining, signals, systemd notification, status.
        .target(
            name: "Daemon",
            dependencies: [
                "CSystemd", "SystemIO", "Compute", "VAE", "Checkpoint", "Detector", "RecordParsing", "RecordIO",
                "PostgresStore", "Report",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // Draws scored records as an SVG chart (score over time, threshold, flagged points, explaining features), and
        // numbers as people read them (counts grouped by RecordParsing's Counted). No I/O.
        .target(name: "Report", dependencies: ["Detector", "RecordParsing"], swiftSettings: strictSettings),

        // The command-line interface: thin commands over the modules above.
        .executableTarget(
            name: "vaewatch",
            dependencies: [
                "SystemIO", "Compute", "VAE", "Checkpoint", "Detector", "RecordParsing", "RecordIO", "PostgresStore",
                "Daemon", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "vaewatch-bench",
            dependencies: [
                "SystemIO", "Compute", "VAE", "Checkpoint", "Detector", "RecordParsing", "RecordIO", "PostgresStore",
                "Daemon",
            ],
            swiftSettings: strictSettings
        ),

        // Helpers shared by the test targets: temporary directories.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strictSettings),
        .testTarget(name: "SystemIOTests", dependencies: ["SystemIO", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "ComputeTests", dependencies: ["Compute"], swiftSettings: strictSettings),
        .testTarget(
            name: "VAETests", dependencies: ["VAE", "Compute", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "CheckpointTests",
            dependencies: ["Checkpoint", "VAE", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DetectorTests",
            dependencies: ["Detector", "VAE", "Compute", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RecordIOTests",
            dependencies: ["RecordIO", "RecordParsing", "SystemIO", "Detector", "Compute", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "ReportTests", dependencies: ["Detector", "Report", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: ["PostgresStore", "Detector", "Compute", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "PostgresStore", "Detector", "VAE", "Compute", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Runs the built `vaewatch` executable as a child process, as users do.
        .testTarget(
            name: "CLITests",
            dependencies: ["vaewatch", "vaewatch-bench", "TestSupport", "Checkpoint", "VAE", "PostgresStore"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
