// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "usage-etl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "usage-etl", targets: ["usage-etl"]),
        .executable(name: "usage-api-sim", targets: ["usage-api-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        // C libraries, each imported once through a system-library target.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLibCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // Our one C source: SHA-256 blocks on the CPU's SHA instructions (Swift cannot emit them).
        .target(name: "CSHA256"),

        // Thin safe Swift layers over the C libraries.
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Zstd", dependencies: ["CZstd"]),
        .target(name: "Curl", dependencies: ["CLibCurl"]),

        // SQL/ and Pipelines/ compiled into the binary so it runs from any directory.
        .executableTarget(name: "embed-files"),
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["embed-files"]),
        .target(name: "EmbeddedResources", plugins: ["EmbedFiles"]),

        // Domain modules, mirroring the stages.
        .target(name: "UsageAPI", dependencies: []),
        .target(name: "Warehouse", dependencies: ["Postgres", "Zstd", "UsageAPI", "EmbeddedResources", "CSHA256"]),
        .target(name: "UsageETLCLI", dependencies: [
            "Pipeline", "Warehouse", "UsageAPI", "Postgres",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Pipeline", dependencies: [
            "UsageAPI", "Warehouse", "Curl", "Postgres", "EmbeddedResources",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Simulator", dependencies: ["UsageAPI"]),
        .executableTarget(name: "usage-etl", dependencies: ["UsageETLCLI", "CMalloc"]),
        // Parsers of outside data as fuzz targets; `usage-etl-fuzz` runs them under libFuzzer (`make fuzz`).
        .target(name: "FuzzTargets", dependencies: ["UsageAPI", "Pipeline", "Warehouse", "Curl", "Postgres"]),
        .executableTarget(name: "usage-etl-fuzz", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "usage-api-sim", dependencies: [
            "Simulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "UnitTests", dependencies: [
            "UsageAPI", "Zstd", "Warehouse", "Simulator", "Pipeline", "UsageETLCLI", "FuzzTargets",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "Postgres", "Warehouse", "Curl", "UsageAPI", "Zstd", "UsageETLCLI", "Simulator", "Pipeline",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
