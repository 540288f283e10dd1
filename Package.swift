// swift-tools-version: 6.1
// vaewatch: a streaming anomaly-detection daemon built on a variational autoencoder.
// Layers point one way: Compute → VAE → Checkpoint/Detector → adapters → Daemon → vaewatch.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "vaewatch",
    products: [
        .executable(name: "vaewatch-bench", targets: ["vaewatch-bench"])
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

        // Matrices, GEMM, fused kernels, thread pool, RNG. No I/O.
        .target(name: "Compute", dependencies: ["CBLAS"], swiftSettings: strictSettings),
        // The network, its loss, backward pass, optimizer, trainer and model-file codec. No I/O.
        .target(name: "VAE", dependencies: ["Compute"], swiftSettings: strictSettings),
        // Durable, atomic model files on disk.
        .target(name: "Checkpoint", dependencies: ["VAE"], swiftSettings: strictSettings),

        .executableTarget(
            name: "vaewatch-bench",
            dependencies: ["Compute", "VAE"],
            swiftSettings: strictSettings
        ),

        .testTarget(name: "ComputeTests", dependencies: ["Compute"], swiftSettings: strictSettings),
        .testTarget(name: "VAETests", dependencies: ["VAE", "Compute"], swiftSettings: strictSettings),
        .testTarget(
            name: "CheckpointTests",
            dependencies: ["Checkpoint", "VAE"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
